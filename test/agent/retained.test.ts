// The agent against the Retained fixture: retained sizes, the dominator tree, grouped retention paths and
// unreachable objects, each checked against the figures the fixture's construction gives (see its graph). Object
// sizes come from heap/object; which object owns which comes from the construction.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('Retained');
const RingSize = readConstant(source, 'RingSize');
const ItemCount = readConstant(source, 'ItemCount');
const DeadCount = readConstant(source, 'DeadCount');
const DeadBytes = readConstant(source, 'DeadBytes');
const GrowBy = readConstant(source, 'GrowBy');
const ListType = 'System.Collections.Generic.List<Retained.Item>';

describe('agent: Retained (retained sizes, dominators, grouped paths, unreachable objects)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let snapshot: wire.SnapshotInfo;
  let later: wire.SnapshotInfo;
  let id: string;

  before(async function () {
    fixture = await RunningFixture.start('Retained');
    const dump = await captureFixture(fixture);
    await fixture.grow();
    const grown = await captureFixture(fixture);
    agent = startAgent();
    snapshot = await agent.open({ path: dump });
    later = await agent.open({ path: grown });
    id = snapshot.snapshotId;
  });

  stopAfterSuite(() => ({ agent, fixture }));

  const object = (address: string) => agent.object({ snapshotId: id, address });
  const field = (o: wire.HeapObject, name: string) => {
    const address = o.fields.find((f) => f.name === name)?.address;
    assert.ok(address, `${o.type} has a reference field ${name}: ${JSON.stringify(o.fields)}`);
    return address;
  };
  /** An object's own size plus the size of the object one field refers to. */
  const withField = async (address: string, name: string) => {
    const o = await object(address);
    return o.size + (await object(field(o, name))).size;
  };
  const instances = async (type: string, all = false) => (await agent.instances({ snapshotId: id, type, limit: 10_000, all })).instances;
  const statOf = (stats: wire.HeapStats, name: string) => stats.types.find((t) => t.name === name);

  it('gives each holder its own buffer but not the object both share', async function () {
    const holders = await instances('Retained.Holder');
    assert.strictEqual(holders.length, 2);
    const own = await withField(holders[0].address, 'own');
    for (const h of holders) assert.strictEqual(h.retainedBytes, own, 'a holder retains itself and its own byte[]');
    const shared = field(await object(holders[0].address), 'shared');
    assert.strictEqual(field(await object(holders[1].address), 'shared'), shared, 'both holders refer to one Shared');
    assert.strictEqual((await object(shared)).retainedBytes, await withField(shared, 'data'));

    const stats = await agent.stats({ snapshotId: id });
    assert.strictEqual(statOf(stats, 'Retained.Holder')?.retainedBytes, 2 * own);
    assert.strictEqual(statOf(stats, 'Retained.Shared')?.retainedBytes, await withField(shared, 'data'));
  });

  it('gives the ring node a static holds the whole ring, and each next node the rest', async function () {
    const nodes = await instances('Retained.RingNode');
    assert.strictEqual(nodes.length, RingSize);
    const one = await withField(nodes[0].address, 'buffer');
    const retained = nodes.map((n) => n.retainedBytes).sort((a, b) => b - a);
    assert.deepStrictEqual(retained, Array.from({ length: RingSize }, (_, k) => (RingSize - k) * one));
    const stats = await agent.stats({ snapshotId: id });
    assert.strictEqual(statOf(stats, 'Retained.RingNode')?.retainedBytes, RingSize * one, 'the type retains the ring once, not once per node');
  });

  it('gives each item its buffer, and the list its array and every item', async function () {
    const items = await instances('Retained.Item');
    assert.strictEqual(items.length, ItemCount);
    const one = await withField(items[0].address, 'buffer');
    for (const item of items) assert.strictEqual(item.retainedBytes, one);
    const [list] = await instances(ListType);
    const listObject = await object(list.address);
    const array = await object(field(listObject, '_items'));
    assert.strictEqual(list.retainedBytes, listObject.size + array.size + ItemCount * one);
    assert.strictEqual(array.retainedBytes, array.size + ItemCount * one);
    const stats = await agent.stats({ snapshotId: id, sort: 'retained' });
    assert.strictEqual(statOf(stats, 'Retained.Item')?.retainedBytes, ItemCount * one);
    assert.strictEqual(statOf(stats, ListType)?.retainedBytes, list.retainedBytes);
    for (let i = 1; i < stats.types.length; i++) assert.ok(stats.types[i - 1].retainedBytes >= stats.types[i].retainedBytes, 'sorted by retained bytes');
  });

  it('lists the top of the dominator tree with retained bytes and objects, and one object’s children', async function () {
    const top = await agent.dominators({ snapshotId: id, top: 100_000 });
    assert.strictEqual(top.liveObjects, snapshot.objects);
    assert.strictEqual(top.liveBytes, snapshot.bytes);
    assert.strictEqual(top.total, top.items.length);
    for (let i = 1; i < top.items.length; i++) assert.ok(top.items[i - 1].retainedBytes >= top.items[i].retainedBytes, 'largest first');
    assert.strictEqual(top.items.reduce((s, d) => s + d.retainedBytes, 0), snapshot.bytes, 'the top of the tree retains every live byte once');

    const [list] = await instances(ListType);
    const listItem = top.items.find((d) => d.address === list.address);
    assert.ok(listItem, 'the list a static holds is at the top');
    assert.strictEqual(listItem.retainedBytes, list.retainedBytes);
    assert.strictEqual(listItem.retainedObjects, 2 + 2 * ItemCount);
    assert.strictEqual(listItem.children, 1, 'the list alone holds its array');
    assert.deepStrictEqual(listItem.root, { kind: 'static', field: 'Retained.Program.Items' });

    const holders = await instances('Retained.Holder');
    const shared = field(await object(holders[0].address), 'shared');
    const sharedItem = top.items.find((d) => d.address === shared);
    assert.ok(sharedItem, 'the shared object hangs from the roots, not from either holder');
    assert.strictEqual(sharedItem.retainedObjects, 2);
    for (const h of holders) assert.strictEqual(top.items.find((d) => d.address === h.address)?.retainedObjects, 2);
    const rings = top.items.filter((d) => d.type === 'Retained.RingNode');
    assert.strictEqual(rings.length, 1, 'one ring node is held by the static');
    assert.strictEqual(rings[0].retainedObjects, 2 * RingSize);

    const ofList = await agent.dominators({ snapshotId: id, address: list.address });
    assert.strictEqual(ofList.total, 1);
    assert.strictEqual(ofList.items[0].type, 'Retained.Item[]');
    assert.strictEqual(ofList.items[0].root, undefined, 'children lists leave the root out');
    const ofArray = await agent.dominators({ snapshotId: id, address: ofList.items[0].address, top: 5 });
    assert.strictEqual(ofArray.total, ItemCount);
    assert.strictEqual(ofArray.items.length, 5);
    assert.ok(ofArray.items.every((d) => d.type === 'Retained.Item' && d.retainedObjects === 2 && d.children === 1));
  });

  it('counts garbage made after the last GC only with all, as unreachable objects that retain nothing', async function () {
    const live = await agent.stats({ snapshotId: id });
    assert.strictEqual(statOf(live, 'Retained.Garbage'), undefined, 'no garbage among live objects');
    assert.ok(live.unreachable.count >= 2 * DeadCount, `unreachable ${JSON.stringify(live.unreachable)}`);
    assert.deepStrictEqual(live.unreachable, snapshot.unreachable);
    assert.strictEqual(live.objects, snapshot.objects);

    const all = await agent.stats({ snapshotId: id, all: true });
    const garbage = statOf(all, 'Retained.Garbage');
    assert.strictEqual(garbage?.count, DeadCount);
    assert.strictEqual(garbage.retainedBytes, 0);
    assert.strictEqual(all.objects, live.objects + live.unreachable.count);
    assert.strictEqual(all.bytes, live.bytes + live.unreachable.bytes);
    assert.strictEqual(all.types.reduce((s, t) => s + t.count, 0), all.objects);
    assert.strictEqual(live.types.reduce((s, t) => s + t.count, 0), live.objects);
    const payloads = (stats: wire.HeapStats) => stats.types.find((t) => t.name === 'System.Byte[]')!.count;
    assert.ok(payloads(all) - payloads(live) >= DeadCount, 'the dropped payloads are unreachable byte[]');

    const dead = await agent.instances({ snapshotId: id, type: 'Retained.Garbage', all: true, limit: 10_000 });
    assert.strictEqual(dead.count, DeadCount);
    assert.ok(dead.instances.every((i) => i.unreachable === true && i.retainedBytes === 0));
    const payload = await object(field(await object(dead.instances[0].address), 'payload'));
    assert.strictEqual(payload.length, DeadBytes);
    assert.strictEqual(payload.unreachable, true);
    assert.strictEqual((await agent.instances({ snapshotId: id, type: 'Retained.Item' })).instances.some((i) => i.unreachable), false);
  });

  it('names the items’ array as the accumulation point, first among the warnings, and its growth against the baseline', async function () {
    const [list] = await instances(ListType);
    const array = await object(field(await object(list.address), '_items'));
    const item = (await instances('Retained.Item'))[0];
    const buffer = await object(field(await object(item.address), 'buffer'));
    const { insights } = await agent.insights({ snapshotId: id });
    const first = insights[0];
    assert.strictEqual(first?.kind, 'accumulation-point', JSON.stringify(insights.map((i) => i.kind)));
    assert.strictEqual(first.severity, 'warning');
    assert.strictEqual(first.figures.type, 'Retained.Item[]', 'down from the list to the array that holds the items');
    assert.strictEqual(first.figures.address, array.address);
    assert.strictEqual(first.figures.retainedBytes, array.retainedBytes);
    assert.strictEqual(first.figures.retainedObjects, 1 + 2 * ItemCount);
    assert.strictEqual(first.figures.heldType, 'System.Byte[]');
    assert.strictEqual(first.figures.heldTypeBytes, ItemCount * buffer.size);
    assert.strictEqual(first.figures.root, 'the static field Retained.Program.Items');
    assert.strictEqual(first.figures.path, `${ListType} → Retained.Item[]`);
    assert.deepStrictEqual(first.addresses, [array.address]);

    const grown = (await agent.insights({ snapshotId: later.snapshotId, baselineId: id })).insights.filter((i) => i.kind === 'accumulation-point');
    const items = grown.find((i) => i.figures.type === 'Retained.Item[]');
    assert.ok(items, JSON.stringify(grown.map((i) => i.figures)));
    const laterArray = await agent.object({ snapshotId: later.snapshotId, address: String(items.figures.address) });
    assert.strictEqual(items.figures.retainedBytes, laterArray.retainedBytes);
    assert.strictEqual(items.figures.heldTypeBytes, (ItemCount + GrowBy) * buffer.size);
    assert.strictEqual(items.figures.retainedGrowth, Number(items.figures.retainedBytes) - Number(items.figures.retainedBefore));
    // The list was matched with itself in the baseline: what it held then is the first snapshot's array.
    assert.strictEqual(items.figures.retainedBefore, array.retainedBytes);
  });

  it('groups the items’ paths into one, and the ring into the node the static holds and the rest', async function () {
    const items = await agent.retentionGroups({ snapshotId: id, type: 'Retained.Item' });
    assert.strictEqual(items.instances, ItemCount);
    assert.strictEqual(items.groups.length, 1);
    const [group] = items.groups;
    assert.strictEqual(group.count, ItemCount);
    assert.deepStrictEqual(group.root, { kind: 'static', field: 'Retained.Program.Items' });
    assert.deepStrictEqual(group.links, [
      { type: ListType, field: null },
      { type: 'Retained.Item[]', field: '_items' },
      { type: 'Retained.Item', field: '[]' },
    ]);
    const stats = await agent.stats({ snapshotId: id });
    assert.strictEqual(group.retainedBytes, statOf(stats, 'Retained.Item')?.retainedBytes);
    assert.strictEqual(group.bytes, statOf(stats, 'Retained.Item')?.bytes);

    const ring = await agent.retentionGroups({ snapshotId: id, type: 'Retained.RingNode' });
    assert.deepStrictEqual(ring.groups.map((g) => g.count), [1, RingSize - 1]);
    assert.deepStrictEqual(ring.groups[1].links, [
      { type: 'Retained.RingNode', field: null },
      { type: 'Retained.RingNode', field: 'next' },
    ]);
    // The example is the instance that retains most: the node right after the first, one link from it.
    assert.strictEqual((await object(ring.groups[1].example)).retainedBytes, (RingSize - 1) * (await withField(ring.groups[1].example, 'buffer')));
    assert.strictEqual(ring.groups[0].retainedBytes, statOf(stats, 'Retained.RingNode')?.retainedBytes);
    assert.strictEqual(ring.groups[1].retainedBytes, 0, 'every later node is inside the first one’s retained size');

    const paths = await agent.roots({ snapshotId: id, type: 'Retained.RingNode' });
    assert.strictEqual(paths.paths.length, 2, 'one example path per group');
    assert.strictEqual(paths.paths[0].links.length, 1);
  });
});
