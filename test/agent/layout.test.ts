// heap/layout under other GC configurations: the server GC (one entry per GC heap) and the standalone GC with
// segments instead of regions (one ephemeral segment holds gen0, gen1 and gen2). Either way every object, free
// space included, is counted in exactly one generation of one heap.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const HeapCount = 2;
const InitialCount = readConstant(fixtureSource('Chain'), 'InitialCount');

async function openChain(agent: AgentClient, env: NodeJS.ProcessEnv): Promise<wire.SnapshotInfo> {
  const fixture = await RunningFixture.start('Chain', env);
  try {
    return await agent.open({ path: await captureFixture(fixture) });
  } finally {
    await fixture.stop();
  }
}

async function assertAddsUp(agent: AgentClient, info: wire.SnapshotInfo): Promise<wire.HeapLayout> {
  const layout = await agent.layout(info.snapshotId);
  // Every object the dump holds, live or not: the layout sums memory, not reachability.
  const stats = await agent.stats({ snapshotId: info.snapshotId, all: true });
  const total = layout.heaps.reduce((n, h) => n + h.gen0 + h.gen1 + h.gen2 + h.loh + h.poh, 0);
  assert.strictEqual(total, stats.bytes + stats.free.bytes);
  assert.strictEqual(
    layout.heaps.reduce((n, h) => n + h.free, 0),
    stats.free.bytes,
  );
  assert.strictEqual(stats.types.find((t) => t.name === 'Chain.Leak')?.count, InitialCount);
  return layout;
}

describe('agent: heap layout under other GC settings', function () {
  let agent: AgentClient;

  before(function () {
    agent = startAgent();
  });

  stopAfterSuite(() => ({ agent }));

  it('reports gcMode server and the heaps the process was started with', async function () {
    const info = await openChain(agent, { DOTNET_gcServer: '1', DOTNET_GCHeapCount: String(HeapCount) });
    assert.strictEqual(info.gcMode, 'server');
    const layout = await assertAddsUp(agent, info);
    assert.strictEqual(layout.gcMode, 'server');
    assert.deepStrictEqual(
      layout.heaps.map((h) => h.index),
      [...Array(HeapCount).keys()],
    );
  });

  it('splits the ephemeral segment of the segments GC (libclrgc) into generations', async function () {
    const info = await openChain(agent, { DOTNET_GCName: 'libclrgc.so' });
    const layout = await assertAddsUp(agent, info);
    assert.strictEqual(layout.gcMode, 'workstation');
    assert.strictEqual(layout.heaps.length, 1);
  });
});
