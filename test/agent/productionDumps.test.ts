// A dump from a machine whose .NET runtime is not installed here (a production server), and a dump that tries to
// make the agent load a library of its choosing. The Chain fixture is published self-contained for .NET 9 (only
// .NET 10 is installed here) and captured; then:
//   - a planted library where the dump says its runtime lived is refused when that folder belongs to another user or
//     others can write it, and nothing loads it (its constructor would write a marker file);
//   - with the app's folder gone, opening fails with an error that names the runtime version and build id needed;
//   - the same dump opens with its DAC in a symbol-store folder (dacSearchPaths) and with `heaplens --dac-dir`.
// Expected figures come from the fixture (InitialCount) and from the published files (runtime version, build id).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AgentClient } from '../../src/agent/agentClient';
import { AgentErrorCode } from '../../src/protocol/agent';
import { runCli } from '../cli/runCli';
import { captureFixture } from '../support/dumps';
import { expectAgentError, startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';
import { buildPlantedLibrary, elfBuildId } from '../support/nativeLibraries';

const InitialCount = readConstant(fixtureSource('Chain'), 'InitialCount');
const DAC = 'libmscordaccore.so';

describe('agent: a .NET 9 dump whose runtime is not installed here (DAC search and trust)', function () {
  let workDir: string;
  let appDir: string;
  let dump: string;
  let runtimeVersion: string;
  let buildId: string;
  let savedDac: string;
  let marker: string;
  let planted: string;
  let fixture: RunningFixture | undefined;
  let agent: AgentClient | undefined;

  before(async function () {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-test-dac-'));
    const published = path.dirname(await RunningFixture.publishedForRuntime('Chain', 'net9.0'));
    // A copy of its own: this suite damages and finally removes the app's folder.
    appDir = path.join(workDir, 'app');
    fs.cpSync(published, appDir, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(appDir, 'Chain.runtimeconfig.json'), 'utf8'));
    runtimeVersion = config.runtimeOptions.includedFrameworks.find((f: { name: string }) => f.name === 'Microsoft.NETCore.App').version;
    buildId = elfBuildId(path.join(appDir, 'libcoreclr.so'));
    savedDac = path.join(workDir, 'dac-dir', DAC);
    fs.mkdirSync(path.dirname(savedDac));
    fs.copyFileSync(path.join(appDir, DAC), savedDac);
    marker = path.join(workDir, 'planted-was-loaded');
    planted = buildPlantedLibrary(path.join(workDir, 'planted'), marker);

    fixture = await RunningFixture.startProgram('Chain', path.join(appDir, 'Chain'), []);
    dump = await captureFixture(fixture);
    await fixture.stop();
    fixture = undefined;
  });

  stopAfterSuite(() => ({ agent, fixture }));
  after(() => fs.rmSync(workDir, { recursive: true, force: true }));
  afterEach(async () => {
    await agent?.dispose();
    agent = undefined;
  });

  /** Puts the planted library where the dump says its DAC is, with the folder's owner and mode as given. */
  function plantInAppFolder(uid: number, mode: number): void {
    fs.copyFileSync(planted, path.join(appDir, DAC));
    fs.chownSync(path.join(appDir, DAC), uid, uid);
    fs.chownSync(appDir, uid, uid);
    fs.chmodSync(appDir, mode);
  }

  it('the marker works: a planted library the user names as dacPath is loaded (and then fails as a DAC)', async function () {
    // The control for the refusals below: if the agent loads the planted file, the marker appears.
    agent = startAgent();
    await expectAgentError(agent.open({ path: dump, dacPath: planted }), AgentErrorCode.DumpUnreadable);
    assert.ok(fs.existsSync(marker), 'the planted library was loaded, so its constructor wrote the marker');
    fs.rmSync(marker);
  });

  it('refuses a planted DAC in the dump’s runtime folder when others can write that folder; nothing is loaded', async function () {
    plantInAppFolder(process.getuid!(), 0o777);
    agent = startAgent();
    const { error } = await expectAgentError(agent.open({ path: dump }), AgentErrorCode.DumpUnreadable);
    assert.match(error.message, new RegExp(`${appDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} can be changed by other users`));
    assert.ok(!fs.existsSync(marker), 'the planted library was not loaded');
  });

  it('refuses it when the folder belongs to another user; nothing is loaded', async function () {
    if (process.getuid!() !== 0) this.skip(); // only root can hand a folder to another user
    plantInAppFolder(65534, 0o755);
    agent = startAgent();
    const { error } = await expectAgentError(agent.open({ path: dump }), AgentErrorCode.DumpUnreadable);
    assert.match(error.message, /belongs to another user \(uid 65534\)/);
    assert.ok(!fs.existsSync(marker), 'the planted library was not loaded');
  });

  it('with the app’s folder gone: a clear error naming the runtime version, the build id and how to get the DAC', async function () {
    fs.rmSync(appDir, { recursive: true, force: true });
    agent = startAgent();
    const { error } = await expectAgentError(agent.open({ path: dump }), AgentErrorCode.DumpUnreadable);
    assert.ok(error.message.includes(`.NET ${runtimeVersion}`), error.message);
    assert.ok(error.message.includes(`build id ${buildId}`), error.message);
    assert.match(error.message, /Microsoft\.NETCore\.App\.Runtime\.linux-x64/);
    assert.match(error.message, /--dac-dir DIR/);
    assert.match(error.message, /heaplens\.dacSearchPaths/);
  });

  it('reads it with the DAC in a symbol-store folder, found by the build id', async function () {
    const store = path.join(workDir, 'symbols');
    const stored = path.join(store, DAC, `elf-buildid-coreclr-${buildId}`, DAC);
    fs.mkdirSync(path.dirname(stored), { recursive: true });
    fs.copyFileSync(savedDac, stored);
    agent = startAgent();
    const info = await agent.open({ path: dump, dacSearchPaths: [path.join(workDir, 'empty-folder'), store] });
    assert.strictEqual(info.runtimeVersion.split('.')[0], runtimeVersion.split('.')[0]);
    const stats = await agent.stats({ snapshotId: info.snapshotId });
    assert.strictEqual(stats.types.find((t) => t.name === 'Chain.Leak')?.count, InitialCount);
  });

  it('reads it with `heaplens stats --dac-dir DIR`', async function () {
    const run = await runCli(['stats', dump, '--dac-dir', path.dirname(savedDac), '--json'], { timeoutMs: 180_000 });
    assert.strictEqual(run.code, 0, run.stderr);
    const stats = JSON.parse(run.stdout) as { types: Array<{ name: string; count: number }> };
    assert.strictEqual(stats.types.find((t) => t.name === 'Chain.Leak')?.count, InitialCount);
  });
});
