// Fault injection on a paused process: the extension host dies (SIGKILL: a crash, or a restart that does not wait)
// while a heaplens debug session it runs inline holds a .NET process paused (SIGSTOP). Nothing in the dead host can
// thaw it, so the process must be running again within a few seconds by other means, and stay usable.
// The "extension host" here is a Node process that runs the debug engine the inline adapter runs (the same module,
// src/debugAdapter/engine.ts, with the window's AgentHost), attached to a fixture and paused; the test kills it.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SnapshotFiles } from '../../src/debugAdapter/snapshotFiles';
import { processState } from '../../src/diagnostics/diagnosticSockets';
import { repoRoot, RunningFixture } from '../support/fixtures';
import { waitFor } from './faultSupport';

/** What the stand-in extension host runs: attach, pause, report, then wait to be killed. */
const HOST_SCRIPT = `
const { DebugEngine } = require(${JSON.stringify(path.join(repoRoot, 'out', 'src', 'debugAdapter', 'engine.js'))});
const { AgentHost } = require(${JSON.stringify(path.join(repoRoot, 'out', 'src', 'agent', 'agentHost.js'))});
(async () => {
  const engine = new DebugEngine({ agentHost: new AgentHost() });
  await engine.attach({ processId: Number(process.argv[1]) });
  await engine.pause();
  console.log('PAUSED');
  setInterval(() => undefined, 1000);
})().catch((err) => { console.log('FAILED ' + err.message); process.exit(1); });
`;

describe('fault: the extension host dies while a process is paused', function () {
  let fixture: RunningFixture | undefined;

  after(async function () {
    await fixture?.stop();
  });

  it('the process runs again within a few seconds, and answers', async function () {
    fixture = await RunningFixture.start('Events');
    const host = spawn(process.execPath, ['-e', HOST_SCRIPT, String(fixture.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    host.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    host.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const exited = new Promise<void>((resolve) => host.once('exit', () => resolve()));
    try {
      await waitFor('the stand-in host to pause the process', () => (/PAUSED|FAILED/.test(output) ? true : undefined), 180_000);
      assert.match(output, /PAUSED/, output);
      assert.strictEqual(processState(fixture.pid), 'T', 'the process is paused (stopped)');
    } catch (err) {
      host.kill('SIGKILL');
      throw err;
    }
    host.kill('SIGKILL');
    await exited;
    await waitFor('the process to run again', () => (processState(fixture!.pid) !== 'T' ? true : undefined), 5_000);
    await fixture.grow();

    // The dead host could not delete its session folder (the paused snapshot's dump is in it): it stays private, and
    // the next session's first capture sweeps it, because its adapter is gone.
    const left = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`heaplens-session-${host.pid}-`));
    assert.strictEqual(left.length, 1, `the dead host's session folder: ${left.join(', ')}`);
    const folder = path.join(os.tmpdir(), left[0]);
    assert.strictEqual(fs.statSync(folder).mode & 0o777, 0o700, 'owner-only');
    const next = new SnapshotFiles();
    try {
      next.nextPath(fixture.pid);
      assert.ok(!fs.existsSync(folder), 'swept by the next session');
    } finally {
      next.dispose();
    }
  });
});
