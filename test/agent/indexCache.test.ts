// The index cache beside a dump (`<dump>.heaplens-index`): the first open writes the index and its live marks
// (owner-only), the next open reads both and gives the same answers, live and unreachable alike; a truncated, stale,
// foreign or damaged file is ignored (the agent says why in its log), the heap is indexed and marked again, and the
// file is written again. Real dumps of the Retained fixture: its constants say how many items, ring nodes and
// garbage objects there are, so the first answers are checked against the construction, not only compared.
import * as assert from 'assert';
import * as fs from 'fs';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { indexCachePath } from '../../src/snapshots/indexCache';
import { agentLog, startAgent, stopAfterSuite } from '../support/agentTesting';
import { captureFixture } from '../support/dumps';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('Retained');
const ItemCount = readConstant(source, 'ItemCount');
const RingSize = readConstant(source, 'RingSize');
const DeadCount = readConstant(source, 'DeadCount');
const ITEM = 'Retained.Item';
const LIST = 'System.Collections.Generic.List<Retained.Item>';
/** The header: magic (8 bytes), format version (4), the file's length (8), the dump's size (8) and time (8), then
 * the id of the agent build that wrote it (16). */
const FORMAT_VERSION_OFFSET = 8;
const DUMP_SIZE_OFFSET = 8 + 4 + 8;
const BUILD_ID_OFFSET = DUMP_SIZE_OFFSET + 16;

interface Answers {
  info: Omit<wire.SnapshotInfo, 'snapshotId' | 'indexMs'>;
  /** Live objects (the default). */
  stats: wire.HeapStats;
  /** With the unreachable ones (`--all`). */
  statsAll: wire.HeapStats;
  layout: wire.HeapLayout;
  instances: wire.Instances;
  garbage: wire.Instances;
  object: wire.HeapObject;
  roots: wire.RetentionPaths;
  ringRoots: wire.RetentionPaths;
  dominators: wire.Dominators;
  listChildren: wire.Dominators;
}

const statOf = (stats: wire.HeapStats, name: string) => stats.types.find((t) => t.name === name);

describe('agent: the index cache beside the dump', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let dump: string;
  let otherDump: string;
  let cache: string;
  let first: Answers;

  before(async function () {
    fixture = await RunningFixture.start('Retained');
    dump = await captureFixture(fixture);
    await fixture.grow();
    otherDump = await captureFixture(fixture);
    cache = indexCachePath(dump);
    agent = startAgent();
  });

  stopAfterSuite(() => ({ agent, fixture }));

  /** Opens the dump in the agent and asks what the views and the CLI ask; the log lines of that open come with it. */
  async function openAndAsk(path = dump): Promise<{ answers: Answers; log: string }> {
    const from = agentLog.length;
    const info = await agent.open({ path });
    const snapshotId = info.snapshotId;
    const stats = await agent.stats({ snapshotId });
    const statsAll = await agent.stats({ snapshotId, all: true });
    const layout = await agent.layout(snapshotId);
    const instances = await agent.instances({ snapshotId, type: ITEM, offset: 100, limit: 50 });
    const garbage = await agent.instances({ snapshotId, type: 'Retained.Garbage', all: true, limit: 10 });
    const object = await agent.object({ snapshotId, address: instances.instances[0].address });
    const roots = await agent.roots({ snapshotId, address: instances.instances[0].address });
    const ring = await agent.instances({ snapshotId, type: 'Retained.RingNode', limit: RingSize });
    const ringRoots = await agent.roots({ snapshotId, address: ring.instances[0].address });
    const dominators = await agent.dominators({ snapshotId, top: 20 });
    const list = await agent.instances({ snapshotId, type: LIST });
    const listChildren = await agent.dominators({ snapshotId, address: list.instances[0].address });
    await agent.close(snapshotId);
    // Read after the other requests: the log comes on stderr, beside (not before) the replies.
    const log = agentLog.slice(from).join('\n');
    // The id and the time differ between opens; everything else must not.
    const rest: Partial<wire.SnapshotInfo> = { ...info };
    delete rest.snapshotId;
    delete rest.indexMs;
    return { answers: { info: rest as Answers['info'], stats, statsAll, layout, instances, garbage, object, roots, ringRoots, dominators, listChildren }, log };
  }

  /** The open walked the heap and marked from the roots again (the cache was not used). */
  function assertRebuilt(log: string): void {
    assert.match(log, /Indexed [\d,]+ objects/);
    assert.match(log, /Marked [\d,]+ live objects from [\d,]+ roots/);
    assert.doesNotMatch(log, /Read the index of/);
  }

  it('the first open builds the index and the live marks and keeps them beside the dump, owner-only', async function () {
    assert.ok(!fs.existsSync(cache));
    const { answers, log } = await openAndAsk();
    first = answers;
    assertRebuilt(log);
    assert.match(log, /Kept the index beside the dump/);
    assert.ok(fs.existsSync(cache), `no ${cache}`);
    assert.strictEqual(fs.statSync(cache).mode & 0o777, 0o600);
    // The answers are the construction's, so "the same answers" below means right answers.
    assert.strictEqual(statOf(first.stats, ITEM)?.count, ItemCount);
    assert.strictEqual(statOf(first.stats, 'Retained.Garbage'), undefined, 'the garbage is not live');
    assert.strictEqual(statOf(first.statsAll, 'Retained.Garbage')?.count, DeadCount);
    assert.ok(first.stats.unreachable.count >= 2 * DeadCount, 'each garbage object and its payload are unreachable');
    assert.strictEqual(first.statsAll.objects, first.stats.objects + first.stats.unreachable.count);
    assert.strictEqual(first.garbage.count, DeadCount);
    assert.ok(first.garbage.instances.every((i) => i.unreachable === true));
    assert.deepStrictEqual(first.roots.paths[0]?.root, { kind: 'static', field: 'Retained.Program.Items' });
    assert.deepStrictEqual(first.ringRoots.paths[0]?.root, { kind: 'static', field: 'Retained.Program.Ring' });
    const list = first.dominators.items.find((d) => d.type === LIST);
    assert.strictEqual(list?.retainedObjects, 2 + 2 * ItemCount, 'the list retains its array and every item with its buffer');
    assert.strictEqual(first.listChildren.items[0]?.type, 'Retained.Item[]');
  });

  it('the next open reads the index and the live marks from the cache and gives the same answers', async function () {
    const { answers, log } = await openAndAsk();
    assert.match(log, /Read the index of [\d,]+ objects and their live marks from /);
    assert.doesNotMatch(log, /Indexed [\d,]+ objects/);
    assert.doesNotMatch(log, /Marked [\d,]+ live objects/);
    assert.deepStrictEqual(answers, first);
  });

  it('a truncated cache is ignored, the heap indexed again and the cache rewritten', async function () {
    const size = fs.statSync(cache).size;
    fs.truncateSync(cache, Math.floor(size / 2));
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*truncated/);
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
    assert.strictEqual(fs.statSync(cache).size, size);
  });

  it('a stale cache (the dump’s time changed after it was written) is ignored and rewritten', async function () {
    const later = new Date(fs.statSync(dump).mtimeMs + 60_000);
    fs.utimesSync(dump, later, later);
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*the dump changed/);
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
    // Written again for the dump as it is now: the open after it reads it.
    assert.match((await openAndAsk()).log, /Read the index/);
  });

  it('a stale cache (the dump’s size changed, its time put back) is ignored and rewritten', async function () {
    const { mtime, atime } = fs.statSync(dump);
    // Bytes after the last one a core file's headers name: the dump still reads the same, but it is not the file
    // the cache was written for.
    fs.appendFileSync(dump, Buffer.alloc(4096));
    fs.utimesSync(dump, atime, mtime);
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*the dump changed/);
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
  });

  it('a cache of another format version is ignored and rewritten', async function () {
    const bytes = fs.readFileSync(cache);
    const version = bytes.readInt32LE(FORMAT_VERSION_OFFSET);
    bytes.writeInt32LE(version - 1, FORMAT_VERSION_OFFSET);
    fs.writeFileSync(cache, bytes, { mode: 0o600 });
    const { answers, log } = await openAndAsk();
    assert.match(log, new RegExp(`Ignoring the index cache .*it has format ${version - 1}, this agent writes ${version}`));
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
    assert.strictEqual(fs.readFileSync(cache).readInt32LE(FORMAT_VERSION_OFFSET), version);
  });

  it('a cache another build of the agent wrote is ignored and rewritten', async function () {
    const bytes = fs.readFileSync(cache);
    const build = bytes.subarray(BUILD_ID_OFFSET, BUILD_ID_OFFSET + 16);
    const own = Buffer.from(build);
    build[0] ^= 0xff;
    fs.writeFileSync(cache, bytes, { mode: 0o600 });
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*another build of the agent wrote it/);
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
    assert.deepStrictEqual(fs.readFileSync(cache).subarray(BUILD_ID_OFFSET, BUILD_ID_OFFSET + 16), own);
  });

  it("a foreign cache (another dump's index, even with this dump's size and time) is ignored", async function () {
    await openAndAsk(otherDump);
    const foreign = fs.readFileSync(indexCachePath(otherDump));
    // A whole second, so the header can hold exactly the time the agent reads (.NET ticks: 100 ns since year 1).
    const seconds = Math.floor(fs.statSync(dump).mtimeMs / 1000) + 120;
    fs.utimesSync(dump, seconds, seconds);
    foreign.writeBigInt64LE(BigInt(fs.statSync(dump).size), DUMP_SIZE_OFFSET);
    foreign.writeBigInt64LE(BigInt(seconds) * 10_000_000n + 621_355_968_000_000_000n, DUMP_SIZE_OFFSET + 8);
    fs.writeFileSync(cache, foreign, { mode: 0o600 });
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*(belongs to another dump|checksum)/);
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
  });

  it('a damaged cache (one byte changed) is ignored by its checksum', async function () {
    const bytes = fs.readFileSync(cache);
    const at = Math.floor(bytes.length * 0.7);
    bytes[at] ^= 0x5a;
    fs.writeFileSync(cache, bytes, { mode: 0o600 });
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*checksum/);
    assertRebuilt(log);
    assert.deepStrictEqual(answers, first);
  });
});
