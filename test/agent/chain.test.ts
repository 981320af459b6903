// The agent against the Chain fixture: a 5,000-long chain of Leak objects held by a local of Main.
// Expected figures come from the program's constants and marked lines, never from captured output.
import * as assert from 'assert';
import { linkCount } from '../../src/common/retentionFolding';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('Chain');
const InitialCount = readConstant(source, 'InitialCount');
const GrowBy = readConstant(source, 'GrowBy');
const PayloadBytes = readConstant(source, 'PayloadBytes');

function field(obj: wire.HeapObject, name: string): wire.ObjectField {
  const found = obj.fields.find((f) => f.name === name);
  assert.ok(found, `${obj.type} at ${obj.address} has no field ${name}: ${obj.fields.map((f) => f.name).join(', ')}`);
  return found;
}

describe('agent: Chain (a long chain held by a stack local)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let earlier: wire.SnapshotInfo;
  let later: wire.SnapshotInfo;
  let leaks: wire.Instance[];
  let oldest: wire.HeapObject;
  /** How long the first open took as the client saw it: the agent's own indexMs must fit inside. */
  let openWallMs: number;

  before(async function () {
    fixture = await RunningFixture.start('Chain');
    const firstDump = await captureFixture(fixture);
    await fixture.grow();
    const secondDump = await captureFixture(fixture);
    agent = startAgent();
    const opening = Date.now();
    earlier = await agent.open({ path: firstDump });
    openWallMs = Date.now() - opening;
    later = await agent.open({ path: secondDump });
    leaks = (await agent.instances({ snapshotId: earlier.snapshotId, type: 'Chain.Leak', limit: InitialCount })).instances;
    // The oldest Leak is the one with index 0 (made first, its m_prevLeak is null). Allocation order usually puts
    // it first or last by address; look there before trying the others.
    const candidates = [leaks[0], leaks[leaks.length - 1], ...leaks.slice(1, -1)];
    for (const candidate of candidates) {
      const obj = await agent.object({ snapshotId: earlier.snapshotId, address: candidate.address });
      if (field(obj, 'index').value === '0') {
        oldest = obj;
        break;
      }
    }
  });

  stopAfterSuite(() => ({ agent, fixture }));

  it('describes the snapshot it opened', function () {
    assert.match(earlier.snapshotId, /^\S+$/);
    assert.notStrictEqual(earlier.snapshotId, later.snapshotId);
    assert.strictEqual(earlier.gcMode, 'workstation');
    assert.strictEqual(earlier.pointerSize, 8);
    assert.match(earlier.runtimeVersion, /^\d+\.\d+\.\d+/);
    assert.ok(earlier.objects >= 2 * InitialCount, `objects ${earlier.objects}`);
    // The agent's own measure of the open: a whole number of milliseconds, some time (a 5,000-link heap is not
    // indexed in no time), and no more than the round trip the client measured around the same call.
    assert.ok(Number.isInteger(earlier.indexMs) && earlier.indexMs > 0, `indexMs ${earlier.indexMs}`);
    assert.ok(earlier.indexMs <= openWallMs, `indexMs ${earlier.indexMs} > the ${openWallMs} ms the call took`);
  });

  it('counts InitialCount Chain.Leak objects and at least as many byte[PayloadBytes]', async function () {
    const stats = await agent.stats({ snapshotId: earlier.snapshotId });
    const leak = stats.types.find((t) => t.name === 'Chain.Leak');
    assert.strictEqual(leak?.count, InitialCount);

    // One payload tells the size of a byte[PayloadBytes]; its length comes from the program.
    const payload = await agent.object({ snapshotId: earlier.snapshotId, address: field(oldest, 'payload').address! });
    assert.strictEqual(payload.type, 'System.Byte[]');
    assert.strictEqual(payload.length, PayloadBytes);
    const arrays = await agent.instances({ snapshotId: earlier.snapshotId, type: 'System.Byte[]', limit: 1_000_000 });
    const payloads = arrays.instances.filter((i) => i.size === payload.size).length;
    assert.ok(payloads >= InitialCount, `${payloads} byte[] of ${payload.size} bytes, expected at least ${InitialCount}`);
  });

  it('sums stats the way dumpheap -stat does, with free space apart', async function () {
    const stats = await agent.stats({ snapshotId: earlier.snapshotId });
    assert.strictEqual(stats.objects, earlier.objects);
    assert.strictEqual(stats.bytes, earlier.bytes);
    assert.strictEqual(stats.types.reduce((n, t) => n + t.count, 0), stats.objects);
    assert.strictEqual(stats.types.reduce((n, t) => n + t.bytes, 0), stats.bytes);
    assert.ok(!stats.types.some((t) => t.name === 'Free'), 'free space is not a type');
    assert.ok(stats.free.count > 0 && stats.free.bytes > 0, 'a running program has some free space');
    for (let i = 1; i < stats.types.length; i++) assert.ok(stats.types[i - 1].bytes >= stats.types[i].bytes, 'sorted by bytes');

    const byCount = await agent.stats({ snapshotId: earlier.snapshotId, sort: 'count', top: 3 });
    assert.strictEqual(byCount.types.length, 3);
    for (let i = 1; i < 3; i++) assert.ok(byCount.types[i - 1].count >= byCount.types[i].count, 'sorted by count');
    assert.strictEqual(byCount.objects, stats.objects, 'top limits the list, not the totals');
  });

  it('lays the heap out by generation, adding up to the objects and the free space', async function () {
    const layout = await agent.layout(earlier.snapshotId);
    // Every object the dump holds, live or not: the layout sums memory, not reachability.
    const stats = await agent.stats({ snapshotId: earlier.snapshotId, all: true });
    assert.strictEqual(layout.gcMode, 'workstation');
    assert.strictEqual(layout.heaps.length, 1, 'workstation GC has one heap');
    // Every object (free ones included) is counted in exactly one generation of one heap.
    const total = layout.heaps.reduce((n, h) => n + h.gen0 + h.gen1 + h.gen2 + h.loh + h.poh, 0);
    assert.strictEqual(total, stats.bytes + stats.free.bytes);
    assert.strictEqual(
      layout.heaps.reduce((n, h) => n + h.free, 0),
      stats.free.bytes,
    );
  });

  it('pages through the instances of a type in address order', async function () {
    const pageSize = Math.ceil(InitialCount / 4);
    const seen: string[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = await agent.instances({ snapshotId: earlier.snapshotId, type: 'Chain.Leak', offset, limit: pageSize });
      assert.strictEqual(page.type, 'Chain.Leak');
      assert.strictEqual(page.count, InitialCount, 'count is all instances, not the page');
      if (page.instances.length === 0) break;
      assert.ok(page.instances.length <= pageSize);
      seen.push(...page.instances.map((i) => i.address));
    }
    assert.strictEqual(seen.length, InitialCount);
    assert.strictEqual(new Set(seen).size, InitialCount);
    const numbers = seen.map((a) => BigInt(a));
    for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i - 1] < numbers[i], 'ascending addresses');
    assert.deepStrictEqual(seen, leaks.map((l) => l.address));
  });

  it("shows a Leak's fields: the previous link, its payload, its index", async function () {
    const newest = (await agent.roots({ snapshotId: earlier.snapshotId, address: oldest.address })).paths[0].links[0];
    const obj = await agent.object({ snapshotId: earlier.snapshotId, address: newest.address });
    assert.strictEqual(obj.type, 'Chain.Leak');
    assert.strictEqual(obj.size, leaks.find((l) => l.address === newest.address)?.size);
    const prev = field(obj, 'm_prevLeak');
    assert.strictEqual(prev.type, 'Chain.Leak');
    assert.match(prev.address ?? '', /^0x[0-9a-f]+$/);
    assert.strictEqual(prev.value, prev.address);
    assert.match(field(obj, 'payload').address ?? '', /^0x[0-9a-f]+$/);
    assert.strictEqual(field(obj, 'index').type, 'System.Int32');
    assert.strictEqual(field(obj, 'index').value, String(InitialCount - 1), 'the newest Leak was made last');

    assert.strictEqual(field(oldest, 'm_prevLeak').value, 'null');
    assert.strictEqual(field(oldest, 'm_prevLeak').address, undefined);
  });

  it('finds the path to the oldest Leak from the stack of Main, folded: the head, m_prevLeak × InitialCount-2, the oldest', async function () {
    const { paths } = await agent.roots({ snapshotId: earlier.snapshotId, address: oldest.address });
    const stack = paths.find((p) => p.root.kind === 'stack');
    assert.ok(stack, `no stack root among ${JSON.stringify(paths.map((p) => p.root))}`);
    assert.deepStrictEqual(
      stack.links.map((l) => [l.type, l.field, l.repeat]),
      [
        ['Chain.Leak', null, undefined],
        ['Chain.Leak', 'm_prevLeak', InitialCount - 2],
        ['Chain.Leak', 'm_prevLeak', undefined],
      ],
    );
    assert.strictEqual(stack.links[2].address, oldest.address);
    assert.strictEqual(linkCount(stack.links), InitialCount);
  });

  it('with full: every link of the path to the oldest Leak from the stack of Main, through every m_prevLeak', async function () {
    this.timeout(60_000);
    const started = Date.now();
    const { paths } = await agent.roots({ snapshotId: earlier.snapshotId, address: oldest.address, full: true });
    const ms = Date.now() - started;
    const stack = paths.find((p) => p.root.kind === 'stack');
    assert.ok(stack, `no stack root among ${JSON.stringify(paths.map((p) => p.root))}`);
    assert.strictEqual(stack.root.method, 'Chain.Program.Main');
    assert.ok(stack.root.file?.replace(/\\/g, '/').endsWith('Chain/Program.cs'), `file ${stack.root.file}`);
    assert.strictEqual(stack.root.line, markedLine(source, 'blocked'));
    assert.strictEqual(typeof stack.root.thread, 'number');
    assert.strictEqual(stack.links.length, InitialCount);
    assert.strictEqual(stack.links[0].field, null);
    stack.links.slice(1).forEach((link, i) => assert.strictEqual(link.field, 'm_prevLeak', `link ${i + 1}`));
    assert.ok(stack.links.every((l) => l.type === 'Chain.Leak' && l.repeat === undefined));
    assert.strictEqual(stack.links[stack.links.length - 1].address, oldest.address);
    assert.strictEqual(paths[0], stack, 'stack paths come first');
    assert.ok(ms < 20_000, `a ${InitialCount}-link path took ${ms} ms`);
  });

  it('finds one example path per retention group of a type: the newest link, then the one it holds', async function () {
    const { paths } = await agent.roots({ snapshotId: earlier.snapshotId, type: 'Chain.Leak', max: 3 });
    // Two groups: the newest Leak (the local holds it) and every other one (behind m_prevLeak links); each group's
    // example is the instance that retains most, so the second is the one the newest refers to.
    assert.deepStrictEqual(paths.map((p) => p.links.length), [1, 2]);
    assert.ok(paths.every((p) => p.root.kind === 'stack' && p.root.method === 'Chain.Program.Main'));
    assert.strictEqual(paths[1].links[0].address, paths[0].links[0].address);
    const groups = await agent.retentionGroups({ snapshotId: earlier.snapshotId, type: 'Chain.Leak' });
    assert.deepStrictEqual(groups.groups.map((g) => g.count), [1, InitialCount - 1]);
    assert.deepStrictEqual(groups.groups.map((g) => g.example), paths.map((p) => p.links[p.links.length - 1].address));
  });

  it('diffs the snapshots: GrowBy more Leaks, GrowBy times the size of one', async function () {
    const diff = await agent.diff({ before: earlier.snapshotId, after: later.snapshotId });
    const leak = diff.types.find((t) => t.name === 'Chain.Leak');
    assert.ok(leak);
    const payload = await agent.object({ snapshotId: earlier.snapshotId, address: field(oldest, 'payload').address! });
    // Each Leak retains its payload and the older links: the type retains every link and payload once.
    assert.deepStrictEqual(leak.before, { count: InitialCount, bytes: InitialCount * oldest.size, retainedBytes: InitialCount * (oldest.size + payload.size) });
    assert.strictEqual(leak.after.retainedBytes, (InitialCount + GrowBy) * (oldest.size + payload.size));
    assert.strictEqual(leak.after.count - leak.before.count, GrowBy);
    assert.strictEqual(leak.after.bytes - leak.before.bytes, GrowBy * oldest.size);
    const growth = diff.types.map((t) => t.after.bytes - t.before.bytes);
    for (let i = 1; i < growth.length; i++) assert.ok(growth[i - 1] >= growth[i], 'sorted by growth in bytes');
    const statsAfter = await agent.stats({ snapshotId: later.snapshotId });
    assert.strictEqual(statsAfter.types.find((t) => t.name === 'Chain.Leak')?.count, InitialCount + GrowBy);
  });

  it("reports the threads, Main's stack and the line it waits on", async function () {
    const { threads } = await agent.threads(earlier.snapshotId);
    const main = threads.filter((t) => t.isMain);
    assert.strictEqual(main.length, 1, 'one main thread');
    const frame = main[0].frames.find((f) => f.method === 'Chain.Program.Main');
    assert.ok(frame, `Main is not on the main thread's stack: ${main[0].frames.map((f) => f.method).join(' < ')}`);
    assert.strictEqual(frame.kind, 'managed');
    assert.strictEqual(frame.line, markedLine(source, 'blocked'));
    assert.match(frame.ip, /^0x[0-9a-f]+$/);
    assert.strictEqual(main[0].exception, undefined);
    assert.ok(threads.some((t) => t.isFinalizer && !t.isMain), 'the finalizer thread is there');
    assert.ok(threads.every((t) => t.osId > 0 && t.managedId > 0));
  });
});
