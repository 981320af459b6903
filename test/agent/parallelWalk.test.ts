// The heap walk split across threads against the walk on one thread, on real dumps of the WalkShapes fixture
// (its heap spread over many GC regions, with ConditionalWeakTable entries across them), under the regions GC and
// under the segments GC (libclrgc, where one ephemeral segment holds three generations). The agent is started with
// HEAPLENS_WALK_WORKERS=1, 2 and 3; the index it writes beside the dump (the address map, the type table with its
// totals, the type and size of every object, the forward and reverse references, the generation totals, the live
// marks) must be the same bytes whichever number of runs walked the heap, and whether the walk read the heap from
// the dump file itself or through ClrMD's reader (HEAPLENS_WALK_READ=clrmd), and the answers the same. The fixture's
// constants say how many objects only a dependent handle keeps alive, so those edges are checked to be there.
import * as assert from 'assert';
import * as fs from 'fs';
import * as wire from '../../src/protocol/agent';
import { indexCachePath } from '../../src/snapshots/indexCache';
import { captureFixture } from '../support/dumps';
import { agentLog, startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const WORKERS = 'HEAPLENS_WALK_WORKERS';
const READ = 'HEAPLENS_WALK_READ';
const source = fixtureSource('WalkShapes');
const KeyCount = readConstant(source, 'KeyCount');
const BlockCount = readConstant(source, 'BlockCount');
const YoungCount = readConstant(source, 'YoungCount');

interface Walked {
  /** The index file the agent wrote beside the dump. */
  index: Buffer;
  live: wire.HeapStats;
  all: wire.HeapStats;
  layout: wire.HeapLayout;
  segments: number;
  runs: number;
  dependents: number;
  /** The walk read the heap from the dump file itself (else through ClrMD's reader). */
  fromFile: boolean;
}

/** A healthy dump's segments are walked without ClrMD's careful walk. It takes over wherever the memory the walk
 * reads makes no sense, and gives the same objects: a reader giving wrong bytes would go unseen in the index. */
function assertNoFallback(line: string): void {
  const fallbacks = /(\d+) segment\(s\) through ClrMD/.exec(line);
  assert.ok(fallbacks, `the index line does not say how many segments went through ClrMD: ${line}`);
  assert.strictEqual(Number(fallbacks[1]), 0, `segments went through ClrMD's careful walk: ${line}`);
}

/** Opens the dump in a fresh agent that walks with this many runs (no index file beside the dump to read instead),
 * reading the heap from the dump file, or through ClrMD's reader. */
async function walk(dump: string, workers: number, read: 'file' | 'clrmd' = 'file'): Promise<Walked> {
  const cache = indexCachePath(dump);
  fs.rmSync(cache, { force: true });
  const saved = { [WORKERS]: process.env[WORKERS], [READ]: process.env[READ] };
  process.env[WORKERS] = String(workers);
  if (read === 'clrmd') process.env[READ] = 'clrmd';
  else delete process.env[READ];
  const agent = startAgent();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    const from = agentLog.length;
    const info = await agent.open({ path: dump });
    const live = await agent.stats({ snapshotId: info.snapshotId });
    const all = await agent.stats({ snapshotId: info.snapshotId, all: true });
    const layout = await agent.layout(info.snapshotId);
    const line = agentLog.slice(from).find((l) => /Indexed [\d,]+ objects/.test(l));
    assert.ok(line, `the agent logged no index line:\n${agentLog.slice(from).join('\n')}`);
    const split = /(\d+) segments in (\d+) run\(s\)/.exec(line);
    const handles = /([\d,]+) dependent handle\(s\)/.exec(line);
    assert.ok(split && handles, `the index line does not say how the walk was split: ${line}`);
    assertNoFallback(line);
    // The index is kept beside the dump after heap/stats has answered, on a background task that the close waits for.
    await agent.close(info.snapshotId);
    assert.ok(fs.existsSync(cache), `no index file was written beside ${dump}`);
    return {
      index: fs.readFileSync(cache),
      live,
      all,
      layout,
      segments: Number(split[1]),
      runs: Number(split[2]),
      dependents: Number(handles[1].replace(/,/g, '')),
      fromFile: /reading the dump file/.test(line),
    };
  } finally {
    await agent.dispose();
  }
}

function assertSameIndex(one: Walked, other: Walked, what: string): void {
  if (!one.index.equals(other.index)) {
    const length = Math.min(one.index.length, other.index.length);
    let at = 0;
    while (at < length && one.index[at] === other.index[at]) at++;
    assert.fail(`${what}: the index differs from the one-run walk's at byte ${at} (${one.index.length} and ${other.index.length} bytes)`);
  }
  assert.deepStrictEqual(other.live, one.live, `${what}: live statistics`);
  assert.deepStrictEqual(other.all, one.all, `${what}: statistics with unreachable objects`);
  assert.deepStrictEqual(other.layout, one.layout, `${what}: heap layout`);
}

const countOf = (stats: wire.HeapStats, name: string) => stats.types.find((t) => t.name === name)?.count;

describe('agent: the heap walk split across threads gives the one-thread index', function () {
  let fixture: RunningFixture | undefined;

  stopAfterSuite(() => ({ fixture }));

  async function dumpOf(env: NodeJS.ProcessEnv = {}): Promise<string> {
    fixture = await RunningFixture.start('WalkShapes', env);
    try {
      return await captureFixture(fixture);
    } finally {
      await fixture.stop();
      fixture = undefined;
    }
  }

  /** One dump of the fixture under the regions GC for the tests that need one. */
  let regions: string | undefined;
  const regionsDump = async () => (regions ??= await dumpOf());

  it('under the regions GC: 2 and 3 runs, with dependent handles on both sides of every cut', async function () {
    const dump = await regionsDump();
    const one = await walk(dump, 1);
    assert.strictEqual(one.runs, 1);
    assert.ok(one.segments >= 4, `the fixture's heap should lie in several regions, not ${one.segments}`);
    assert.ok(one.dependents >= KeyCount, `${one.dependents} dependent handles, fewer than the fixture's ${KeyCount}`);
    // Only its key's dependent handle keeps each Attached object alive: live only if the walk gave the key that edge.
    assert.strictEqual(countOf(one.live, 'WalkShapes.Attached'), KeyCount);
    assert.strictEqual(countOf(one.live, 'WalkShapes.Block'), BlockCount + YoungCount);
    for (const workers of [2, 3]) {
      const split = await walk(dump, workers);
      assert.strictEqual(split.runs, workers, `HEAPLENS_WALK_WORKERS=${workers} should walk ${workers} runs`);
      assertSameIndex(one, split, `${workers} runs`);
    }
  });

  it('reads the same heap from the dump file as through ClrMD, on one thread and on two', async function () {
    const dump = await regionsDump();
    const clrmd = await walk(dump, 1, 'clrmd');
    assert.strictEqual(clrmd.fromFile, false);
    for (const workers of [1, 2]) {
      const file = await walk(dump, workers);
      assert.strictEqual(file.fromFile, true, 'an ELF core dump is read from the file');
      assertSameIndex(clrmd, file, `${workers} run(s) reading the dump file`);
    }
    const split = await walk(dump, 2, 'clrmd');
    assertSameIndex(clrmd, split, '2 runs reading through ClrMD');
  });

  it('under the segments GC (libclrgc), where one segment holds gen0, gen1 and gen2', async function () {
    const dump = await dumpOf({ DOTNET_GCName: 'libclrgc.so' });
    const one = await walk(dump, 1);
    assert.strictEqual(countOf(one.live, 'WalkShapes.Attached'), KeyCount);
    const split = await walk(dump, 2);
    assert.strictEqual(split.runs, 2);
    assertSameIndex(one, split, '2 runs (segments GC)');
  });
});
