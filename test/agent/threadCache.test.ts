// The agent against the ThreadCache fixture: a [ThreadStatic] list on a thread that never ends. Thread-static values
// are roots (the GC keeps them while the thread lives) that no handle or stack slot shows.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('ThreadCache');
const InitialCount = readConstant(source, 'InitialCount');
const Quote = 'ThreadCache.Quote';

describe('agent: ThreadCache (a [ThreadStatic] list that only grows)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let snapshot: wire.SnapshotInfo;

  before(async function () {
    fixture = await RunningFixture.start('ThreadCache');
    const dump = await captureFixture(fixture);
    agent = startAgent();
    snapshot = await agent.open({ path: dump });
  });

  stopAfterSuite(() => ({ agent, fixture }));

  it('counts every quote as live: none is unreachable', async function () {
    const live = await agent.stats({ snapshotId: snapshot.snapshotId });
    assert.strictEqual(live.types.find((t) => t.name === Quote)?.count, InitialCount);
    const all = await agent.stats({ snapshotId: snapshot.snapshotId, all: true });
    assert.strictEqual(all.types.find((t) => t.name === Quote)?.count, InitialCount, 'no quote is left among the unreachable');
  });

  it('traces every quote to the thread-static QuoteCache.t_recent of one thread', async function () {
    const groups = await agent.retentionGroups({ snapshotId: snapshot.snapshotId, type: Quote });
    assert.strictEqual(groups.instances, InitialCount);
    assert.deepStrictEqual(groups.groups.map((g) => g.count), [InitialCount]);
    const root = groups.groups[0].root;
    assert.strictEqual(root.kind, 'static');
    assert.strictEqual(root.field, 'ThreadCache.QuoteCache.t_recent');
    assert.ok(Number.isInteger(root.thread) && root.thread! > 1, `the worker's managed thread id: ${JSON.stringify(root)}`);
    assert.deepStrictEqual(groups.groups[0].links.map((l) => l.field), [null, '_items', '[]']);
  });
});
