// The index cache beside a dump (`<dump>.heaplens-index`): the first open writes it (owner-only), the next open
// reads it and gives the same answers; a truncated, stale, foreign or damaged file is ignored (the agent says why in
// its log), the heap is indexed again, and the file is written again. Real dumps of the Chain fixture: its
// constants say how many Chain.Leak objects there are, so the answers are checked, not only compared.
import * as assert from 'assert';
import * as fs from 'fs';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { indexCachePath } from '../../src/snapshots/indexCache';
import { agentLog, startAgent, stopAfterSuite } from '../support/agentTesting';
import { captureFixture } from '../support/dumps';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const InitialCount = readConstant(fixtureSource('Chain'), 'InitialCount');
const LEAK = 'Chain.Leak';
/** Where the header keeps the dump's size and time (after the magic, the format version and the file's length). */
const DUMP_SIZE_OFFSET = 8 + 4 + 8;

interface Answers {
  info: Omit<wire.SnapshotInfo, 'snapshotId' | 'indexMs'>;
  stats: wire.HeapStats;
  layout: wire.HeapLayout;
  instances: wire.Instances;
  object: wire.HeapObject;
  roots: wire.RetentionPaths;
}

describe('agent: the index cache beside the dump', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let dump: string;
  let otherDump: string;
  let cache: string;
  let first: Answers;

  before(async function () {
    fixture = await RunningFixture.start('Chain');
    dump = await captureFixture(fixture);
    await fixture.grow();
    otherDump = await captureFixture(fixture);
    cache = indexCachePath(dump);
    agent = startAgent();
  });

  stopAfterSuite(() => ({ agent, fixture }));

  /** Opens the dump in the agent and asks it everything the views ask; the log lines of that open come with it. */
  async function openAndAsk(path = dump): Promise<{ answers: Answers; log: string }> {
    const from = agentLog.length;
    const info = await agent.open({ path });
    const id = info.snapshotId;
    const stats = await agent.stats({ snapshotId: id });
    const layout = await agent.layout(id);
    const instances = await agent.instances({ snapshotId: id, type: LEAK, offset: 100, limit: 50 });
    const object = await agent.object({ snapshotId: id, address: instances.instances[0].address });
    const roots = await agent.roots({ snapshotId: id, address: instances.instances[0].address });
    await agent.close(id);
    // Read after the other requests: the log comes on stderr, beside (not before) the replies.
    const log = agentLog.slice(from).join('\n');
    // The id and the time differ between opens; everything else must not.
    const rest: Partial<wire.SnapshotInfo> = { ...info };
    delete rest.snapshotId;
    delete rest.indexMs;
    return { answers: { info: rest as Answers['info'], stats, layout, instances, object, roots }, log };
  }

  it('the first open builds the index and keeps it beside the dump, owner-only', async function () {
    assert.ok(!fs.existsSync(cache));
    const { answers, log } = await openAndAsk();
    first = answers;
    assert.match(log, /Kept the index beside the dump/);
    assert.strictEqual(first.stats.types.find((t) => t.name === LEAK)?.count, InitialCount);
    assert.ok(fs.existsSync(cache), `no ${cache}`);
    assert.strictEqual(fs.statSync(cache).mode & 0o777, 0o600);
  });

  it('the next open reads the index from the cache and gives the same answers', async function () {
    const { answers, log } = await openAndAsk();
    assert.match(log, /Read the index of [\d,]+ objects from /);
    assert.doesNotMatch(log, /Indexed [\d,]+ objects/);
    assert.deepStrictEqual(answers, first);
  });

  it('a truncated cache is ignored, the heap indexed again and the cache rewritten', async function () {
    const size = fs.statSync(cache).size;
    fs.truncateSync(cache, Math.floor(size / 2));
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*truncated/);
    assert.match(log, /Indexed [\d,]+ objects/);
    assert.deepStrictEqual(answers, first);
    assert.strictEqual(fs.statSync(cache).size, size);
  });

  it('a stale cache (the dump changed after it was written) is ignored and rewritten', async function () {
    const later = new Date(fs.statSync(dump).mtimeMs + 60_000);
    fs.utimesSync(dump, later, later);
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*the dump changed/);
    assert.deepStrictEqual(answers, first);
    // Written again for the dump as it is now: the open after it reads it.
    assert.match((await openAndAsk()).log, /Read the index/);
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
    assert.deepStrictEqual(answers, first);
  });

  it('a damaged cache (one byte changed) is ignored by its checksum', async function () {
    const bytes = fs.readFileSync(cache);
    const at = Math.floor(bytes.length * 0.7);
    bytes[at] ^= 0x5a;
    fs.writeFileSync(cache, bytes, { mode: 0o600 });
    const { answers, log } = await openAndAsk();
    assert.match(log, /Ignoring the index cache .*checksum/);
    assert.deepStrictEqual(answers, first);
  });
});
