// The index cache beside a dump (`<dump>.heaplens-index`): the first open answers without writing it; the index, its
// live marks and the dominator tree are written (owner-only) after heap/stats has answered, or at close. The next
// open reads only the header and the summary (heap/stats answers from it, retained sizes included), the per-object
// sections on first need, and gives the same answers, live and unreachable alike, without walking the heap or building
// the tree again; a truncated, stale, foreign or damaged file is ignored (the agent says why in its log), the heap is
// indexed and marked again, and the file is written again. Real dumps of the Retained fixture: its constants say how
// many items, ring nodes and garbage objects there are, so the first answers are checked against the construction,
// not only compared.
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
/** Then the pointer size (4), the GC segment ranges (a count of 8 bytes, 8 bytes each) and the table of contents: a
 * count (4), then per section its id (4), offset (8), length (8) and checksum (8). */
const RANGES_OFFSET = BUILD_ID_OFFSET + 16 + 4;
const REVERSE_REFERENCES = 4;

/** Where a section lies in a cache file, from its table of contents. */
function sectionOf(bytes: Buffer, id: number): { offset: number; length: number } {
  const toc = RANGES_OFFSET + 8 + 8 * Number(bytes.readBigInt64LE(RANGES_OFFSET));
  for (let k = 0, at = toc + 4; k < bytes.readInt32LE(toc); k++, at += 28) {
    if (bytes.readInt32LE(at) === id) return { offset: Number(bytes.readBigInt64LE(at + 4)), length: Number(bytes.readBigInt64LE(at + 12)) };
  }
  throw new Error(`no section ${id} in the cache`);
}

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

  /** Opens the dump in the agent and asks what the views and the CLI ask; the log lines of that open come with it.
   * `afterOpen` runs once the open has answered, before anything else is asked. */
  async function openAndAsk(path = dump, afterOpen?: () => void): Promise<{ answers: Answers; log: string }> {
    const from = agentLog.length;
    const info = await agent.open({ path });
    afterOpen?.();
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
    assert.doesNotMatch(log, /Read the (summary of the )?index of/);
  }

  /** The open read the cache: the summary at open, and every section (the dominator tree too) on first need. */
  function assertFromCache(log: string): void {
    assert.match(log, /Read the summary of the index of [\d,]+ objects with retained sizes from /);
    assert.match(log, /Read the index of [\d,]+ objects, its dominator tree and its live marks from /);
    assert.doesNotMatch(log, /Indexed [\d,]+ objects/);
    assert.doesNotMatch(log, /Marked [\d,]+ live objects/);
    assert.doesNotMatch(log, /Retention of s\d+: dominator tree/, 'the dominator tree is read, not built');
  }

  it('the first open builds the index and answers before keeping it beside the dump, owner-only, with retention', async function () {
    assert.ok(!fs.existsSync(cache));
    const { answers, log } = await openAndAsk(dump, () => assert.ok(!fs.existsSync(cache), 'the open answered after writing the cache'));
    first = answers;
    assertRebuilt(log);
    assert.match(log, /Kept the index and retention of .* beside it in [\d,]+ ms/);
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

  it('the next open reads the index, the live marks and the dominator tree from the cache and gives the same answers', async function () {
    const { answers, log } = await openAndAsk();
    assertFromCache(log);
    assert.doesNotMatch(log, /Kept the index/, 'nothing new to keep');
    assert.deepStrictEqual(answers, first);
  });

  it('heap/stats from the cache reads only its summary: retained sizes per type without the tree or the objects', async function () {
    const from = agentLog.length;
    const { snapshotId } = await agent.open({ path: dump });
    const stats = await agent.stats({ snapshotId });
    await agent.close(snapshotId);
    const log = agentLog.slice(from).join('\n');
    assert.match(log, /Read the summary of the index of/);
    assert.doesNotMatch(log, /Read the index of/, 'no per-object section was read');
    assert.doesNotMatch(log, /Retention of s\d+: dominator tree/);
    assert.deepStrictEqual(stats, first.stats);
    assert.ok((statOf(stats, LIST)?.retainedBytes ?? 0) > 0, 'the retained sizes are there');
  });

  it('a damaged big section (a byte of the reverse references) is found at first need, the file deleted and rebuilt, the answers right', async function () {
    const bytes = fs.readFileSync(cache);
    const reverse = sectionOf(bytes, REVERSE_REFERENCES);
    bytes[reverse.offset + Math.floor(reverse.length / 2)] ^= 0x5a;
    fs.writeFileSync(cache, bytes, { mode: 0o600 });
    const { answers, log } = await openAndAsk();
    // The summary is intact: the open and heap/stats trusted it; the first request for objects found the damage.
    assert.match(log, /Read the summary of the index of/);
    assert.match(log, /Ignoring the index cache .*the checksum of its reverse references section is wrong.*It is deleted/);
    assertRebuiltAfterDamage(log);
    assert.deepStrictEqual(answers, first);
    // Kept again at close, whole: the next open reads it all.
    assertFromCache((await openAndAsk()).log);
  });

  it('an open that never builds retention keeps the index at close; the next one adds retention to it', async function () {
    fs.rmSync(cache);
    const { snapshotId } = await agent.open({ path: dump });
    // The heap's layout (`heaplens heap`) needs no retention.
    assert.deepStrictEqual(await agent.layout(snapshotId), first.layout);
    assert.ok(!fs.existsSync(cache), 'kept before heap/stats or close');
    await agent.close(snapshotId);
    assert.ok(fs.existsSync(cache), 'kept at close');
    let from = agentLog.length;
    const again = await agent.open({ path: dump });
    assert.deepStrictEqual((await agent.stats({ snapshotId: again.snapshotId })).types, first.stats.types);
    await agent.close(again.snapshotId);
    let log = agentLog.slice(from).join('\n');
    assert.match(log, /Read the summary of the index of [\d,]+ objects from /, 'no retained sizes in it yet');
    assert.match(log, /Retention of s\d+: dominator tree/);
    assert.match(log, /Kept the index and retention of /);
    from = agentLog.length;
    const third = await agent.open({ path: dump });
    assert.deepStrictEqual(await agent.stats({ snapshotId: third.snapshotId }), first.stats);
    await agent.close(third.snapshotId);
    log = agentLog.slice(from).join('\n');
    assert.match(log, /Read the summary of the index of [\d,]+ objects with retained sizes/);
    assert.doesNotMatch(log, /Retention of s\d+: dominator tree/);
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
    assertRebuiltAfterDamage(log);
    assert.deepStrictEqual(answers, first);
  });
});

/** The damage was found after the summary had been trusted: the heap was walked and marked again from the dump. */
function assertRebuiltAfterDamage(log: string): void {
  assert.match(log, /Indexed [\d,]+ objects/);
  assert.match(log, /Marked [\d,]+ live objects from [\d,]+ roots/);
  assert.doesNotMatch(log, /Read the index of/);
}
