// The agent on dumps of other .NET runtimes: ClrMD 4.1.745802 must read .NET 8 and 9 as well as 10. Only .NET 10 is
// installed here, so the Chain fixture is published self-contained for each runtime (its runtime pack, with the
// matching DAC, comes from NuGet), captured through the diagnostics IPC like any process, and analysed. The DAC is the
// one beside the app: trusted because its libcoreclr.so is the build that wrote the dump and the folder is ours and
// not writable by others (productionDumps.test.ts covers the refusals).
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('Chain');
const InitialCount = readConstant(source, 'InitialCount');
const blockedLine = markedLine(source, 'blocked');

for (const [tfm, major] of [
  ['net8.0', '8.'],
  ['net9.0', '9.'],
] as const) {
  describe(`agent: a .NET ${major}x dump (Chain published self-contained for ${tfm})`, function () {
    let fixture: RunningFixture | undefined;
    let agent: AgentClient | undefined;

    before(async function () {
      const exe = await RunningFixture.publishedForRuntime('Chain', tfm);
      fixture = await RunningFixture.startProgram('Chain', exe, []);
    });

    stopAfterSuite(() => ({ agent, fixture }));

    it('opens the dump with that runtime, counts the chain and finds the stack root at its line', async function () {
      const dump = await captureFixture(fixture!);
      agent = startAgent();
      const info = await agent.open({ path: dump });
      assert.ok(info.runtimeVersion.startsWith(major), `runtime ${info.runtimeVersion}, expected ${major}x`);
      const stats = await agent.stats({ snapshotId: info.snapshotId });
      assert.strictEqual(stats.types.find((t) => t.name === 'Chain.Leak')?.count, InitialCount);
      const { paths } = await agent.roots({ snapshotId: info.snapshotId, type: 'Chain.Leak', max: 1 });
      const stack = paths.find((p) => p.root.kind === 'stack');
      assert.ok(stack, `a stack root: ${JSON.stringify(paths.map((p) => p.root))}`);
      assert.strictEqual(stack.root.method, 'Chain.Program.Main');
      assert.strictEqual(stack.root.line, blockedLine);
      assert.ok(stack.links.slice(1).every((l) => l.field === 'm_prevLeak'));
    });
  });
}
