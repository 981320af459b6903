// The agent against the StaticCache fixture: entries of a static Dictionary that is never evicted.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('StaticCache');
const InitialCount = readConstant(source, 'InitialCount');
const DataBytes = readConstant(source, 'DataBytes');

describe('agent: StaticCache (a static dictionary that only grows)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let snapshot: wire.SnapshotInfo;

  before(async function () {
    fixture = await RunningFixture.start('StaticCache');
    const dump = await captureFixture(fixture);
    agent = startAgent();
    snapshot = await agent.open({ path: dump });
  });

  stopAfterSuite(() => ({ agent, fixture }));

  it('counts InitialCount cache entries', async function () {
    const stats = await agent.stats({ snapshotId: snapshot.snapshotId });
    assert.strictEqual(stats.types.find((t) => t.name === 'StaticCache.CacheEntry')?.count, InitialCount);
  });

  it('traces an entry to the static StaticCache.Cache.s_items through the entries array', async function () {
    const { instances } = await agent.instances({ snapshotId: snapshot.snapshotId, type: 'StaticCache.CacheEntry', offset: 10, limit: 1 });
    const { paths } = await agent.roots({ snapshotId: snapshot.snapshotId, address: instances[0].address });
    const statics = paths.filter((p) => p.root.kind === 'static');
    assert.strictEqual(statics.length, 1, JSON.stringify(paths.map((p) => p.root)));
    assert.strictEqual(statics[0].root.field, 'StaticCache.Cache.s_items');
    const links = statics[0].links;
    assert.strictEqual(links[0].type, 'System.Collections.Generic.Dictionary<System.String, StaticCache.CacheEntry>');
    assert.strictEqual(links[1].field, '_entries');
    // An element of an array of structs is named by its index and the struct's field. Entries are added as
    // "item-" + n and never removed, so the dictionary keeps entry n at _entries[n].
    const entry = await agent.object({ snapshotId: snapshot.snapshotId, address: instances[0].address });
    const n = /^"item-(\d+)"$/.exec(entry.fields.find((f) => f.name === 'Key')?.value ?? '')?.[1];
    assert.ok(n, `the entry's key: ${JSON.stringify(entry.fields)}`);
    assert.strictEqual(links[2].field, `[${n}].value`);
    assert.strictEqual(links[2].address, instances[0].address);
  });

  it('groups every entry into one retention path from the static, array indices dropped', async function () {
    const groups = await agent.retentionGroups({ snapshotId: snapshot.snapshotId, type: 'StaticCache.CacheEntry' });
    assert.strictEqual(groups.instances, InitialCount);
    assert.deepStrictEqual(groups.groups.map((g) => g.count), [InitialCount]);
    assert.deepStrictEqual(groups.groups[0].root, { kind: 'static', field: 'StaticCache.Cache.s_items' });
    const links = groups.groups[0].links;
    assert.deepStrictEqual(links.map((l) => l.field), [null, '_entries', '[].value']);
    assert.strictEqual(links[2].type, 'StaticCache.CacheEntry');
    const stats = await agent.stats({ snapshotId: snapshot.snapshotId });
    assert.strictEqual(groups.groups[0].retainedBytes, stats.types.find((t) => t.name === 'StaticCache.CacheEntry')?.retainedBytes);
  });

  it("shows an entry's key as quoted text and its data array's length", async function () {
    const { instances } = await agent.instances({ snapshotId: snapshot.snapshotId, type: 'StaticCache.CacheEntry', limit: 1 });
    const entry = await agent.object({ snapshotId: snapshot.snapshotId, address: instances[0].address });
    const key = entry.fields.find((f) => f.name === 'Key');
    assert.ok(key?.address, 'the key is a reference');
    assert.match(key.value, /^"item-\d+"$/);
    const text = await agent.object({ snapshotId: snapshot.snapshotId, address: key.address });
    assert.strictEqual(text.type, 'System.String');
    assert.strictEqual(`"${text.text}"`, key.value);
    const data = entry.fields.find((f) => f.name === 'data');
    const array = await agent.object({ snapshotId: snapshot.snapshotId, address: data!.address! });
    assert.strictEqual(array.length, DataBytes);
    assert.strictEqual(array.fields[0].name, '[0]');
    assert.strictEqual(array.fields[0].value, '0');
  });
});
