// Fault injection on capturing, through the CLI as a user runs it: the disk fills up while the dump is written (an
// 8 MB tmpfs, far smaller than any dump; mounting needs root, so elsewhere the test says why it is skipped — a file
// size limit would not do: the runtime's createdump is not bound by the target's `ulimit -f`, tried), and the target
// exits in the middle of a capture (killed once the runtime's createdump has started), and createdump outlasts the
// capture's --timeout (a createdump stopped once it holds the process: a large or busy process, deterministically).
// Each must end with one clear line and exit code 1, leave no dump or partial file behind, and the next capture must
// work; the process must never be left frozen.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tracerOf } from '../../src/diagnostics/abandonedDump';
import { processState } from '../../src/diagnostics/diagnosticSockets';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { RunningFixture } from '../support/fixtures';
import { runCli, startCli } from '../cli/runCli';
import { waitFor } from './faultSupport';

/** Size of the small file system: far below any dump of a .NET process (tens of MB). */
const SMALL_FS = '8m';

/** The pids of the children of `pid` whose command name is `name` (the runtime forks createdump). */
function childrenNamed(pid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \((.*)\) \S (\d+) /.exec(stat);
      if (match && match[1] === name && Number(match[2]) === pid) found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

describe('fault: capturing', function () {
  let limited: RunningFixture | undefined;
  let victim: RunningFixture | undefined;
  let dir: string;
  let small: string | undefined;

  before(async function () {
    limited = await RunningFixture.start('Chain');
    victim = await RunningFixture.start('Chain');
    dir = makeDumpDir('heaplens-fault-capture-');
  });

  after(async function () {
    await limited?.stop();
    await victim?.stop();
    if (small) execFileSync('umount', [small]);
    cleanupDumps();
  });

  it('the disk fills up while the dump is written: a clear error, no partial dump, and the next capture works', async function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: mounting a small file system needs root');
      this.skip();
    }
    const folder = makeDumpDir('heaplens-fault-smallfs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SMALL_FS},mode=0700`, 'tmpfs', folder], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      // Root in a container without CAP_SYS_ADMIN: say why, rather than fail on what the machine cannot do.
      console.log(`      skipped: cannot mount a small file system here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`);
      this.skip();
    }
    small = folder;
    const full = path.join(small, 'full.dmp');
    const run = await runCli(['capture', String(limited!.pid), '--out', full, '--timeout', '120']);
    assert.strictEqual(run.code, 1, `exit code; stderr: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, `one line on stderr: ${run.stderr}`);
    assert.match(lines[0], /^heaplens: .*\./);
    console.log(`      disk full: ${lines[0]}`);
    assert.deepStrictEqual(fs.readdirSync(small), [], 'no dump and no partial file left behind');
    // The program is unharmed: it still answers its protocol.
    await limited!.grow();

    // On a disk with space the same command works.
    const out = path.join(dir, 'full.dmp');
    const again = await runCli(['capture', String(limited!.pid), '--out', out, '--timeout', '120']);
    assert.strictEqual(again.code, 0, again.stderr);
    assert.strictEqual(fs.statSync(out).mode & 0o777, 0o600);
    fs.rmSync(out);
  });

  it('createdump outlasts --timeout: it is stopped so the process runs again, the message says so, nothing is kept', async function () {
    const frozen = await RunningFixture.start('Chain');
    const writer: { pid?: number } = {};
    try {
      const out = path.join(dir, 'slow.dmp');
      const pid = frozen.pid;
      const { done } = startCli(['capture', String(pid), '--no-gc', '--out', out, '--timeout', '3'], { timeoutMs: 60_000 });
      // Once createdump holds the process (ptrace), stop it there: it now needs longer than any timeout.
      writer.pid = await waitFor(
        'the runtime\'s createdump to hold the process',
        () => {
          const held = tracerOf(pid);
          return held !== undefined && childrenNamed(pid, 'createdump').includes(held) ? held : undefined;
        },
        60_000,
      );
      process.kill(writer.pid, 'SIGSTOP');
      const run = await done;
      assert.strictEqual(run.code, 1, `exit code; stderr: ${run.stderr}`);
      const lines = run.stderr.trim().split('\n');
      assert.strictEqual(lines.length, 1, `one line on stderr: ${run.stderr}`);
      assert.match(lines[0], new RegExp(`^heaplens: Process ${pid} did not write a dump within 3 s: the runtime's createdump was still reading its memory \\(.+ resident\\), and HeapLens stopped it so the process runs again\\.`));
      assert.doesNotMatch(lines[0], /native debugger/);
      console.log(`      createdump too slow: ${lines[0]}`);
      assert.deepStrictEqual(childrenNamed(pid, 'createdump'), [], 'the abandoned createdump is gone');
      assert.strictEqual(tracerOf(pid), undefined, 'nothing holds the process any more');
      assert.ok(!['t', 'T'].includes(processState(pid) ?? ''), `the process runs (state ${processState(pid)})`);
      assert.deepStrictEqual(fs.readdirSync(dir), [], 'no dump and no partial file left behind');
      await frozen.grow(); // it answers its protocol again
      const next = await runCli(['capture', String(pid), '--out', out, '--timeout', '120']);
      assert.strictEqual(next.code, 0, next.stderr);
      fs.rmSync(out);
    } finally {
      // Before the fix the stopped createdump would hold the fixture for ever: end it so the fixture can stop.
      if (writer.pid !== undefined && childrenNamed(frozen.pid, 'createdump').includes(writer.pid)) process.kill(writer.pid, 'SIGKILL');
      await frozen.stop();
    }
  });

  it('the target exits in the middle of a capture: a clear error, nothing kept, and the next capture works', async function () {
    const out = path.join(dir, 'exited.dmp');
    const pid = victim!.pid;
    const { done } = startCli(['capture', String(pid), '--out', out, '--timeout', '120']);
    // Mid-capture: the runtime has forked createdump, which is reading the process.
    await waitFor('the runtime to start createdump', () => (childrenNamed(pid, 'createdump').length > 0 ? true : undefined), 60_000);
    process.kill(pid, 'SIGKILL');
    const run = await done;
    await victim!.stop();
    victim = undefined;
    assert.strictEqual(run.code, 1, `exit code; stderr: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, `one line on stderr: ${run.stderr}`);
    assert.match(lines[0], new RegExp(`^heaplens: .*(exited|ended|gone).*`), lines[0]);
    console.log(`      target exited: ${lines[0]}`);
    assert.deepStrictEqual(fs.readdirSync(dir), [], 'no dump and no partial file left behind');

    const next = await runCli(['capture', String(limited!.pid), '--out', out, '--timeout', '120']);
    assert.strictEqual(next.code, 0, next.stderr);
    fs.rmSync(out);
  });
});
