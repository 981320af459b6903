// Parity with SOS: the same dumps of real fixtures through `heaplens` (the built CLI and agent) and through
// dotnet-dump (SOS), pinned and installed by test/support/dotnetDump.ts. Skipped, with the reason printed, only
// where dotnet-dump cannot be installed.
//   - `heaplens stats --all --json` equals `dumpheap -stat` type by type (count and bytes); SOS lists free space as
//     a "Free" row, HeapLens as `free`; SOS lists a name once per method table, HeapLens sums them by name.
//   - Where HeapLens finds a retention path for an object, gcroot finds a root for it, and every object of the
//     HeapLens path lies, in the same order, on one of the chains gcroot prints.
// Chain (a stack root: the local `newest` in Main) and StaticCache (a static field) cover both kinds of root that
// SOS prints differently.
import * as assert from 'assert';
import { HeapStats, RetentionPaths } from '../../src/protocol/agent';
import { runJson } from '../cli/runCli';
import { ensureDotnetDump, parseDumpheapStat, runSos } from '../support/dotnetDump';
import { captureFixture, cleanupDumps } from '../support/dumps';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const SOS_TIMEOUT_MS = 240_000;

interface Case {
  fixture: string;
  /** A type whose instances the fixture holds, and how many (from its source). */
  type: string;
  count: (source: string) => number;
  /** What the root looks like in gcroot's output. */
  rootKind: 'stack' | 'static';
}

const cases: Case[] = [
  { fixture: 'Chain', type: 'Chain.Leak', count: (s) => readConstant(s, 'InitialCount'), rootKind: 'stack' },
  { fixture: 'StaticCache', type: 'StaticCache.CacheEntry', count: (s) => readConstant(s, 'InitialCount'), rootKind: 'static' },
];

describe('parity with SOS (dotnet-dump)', function () {
  this.timeout(600_000);
  let dotnetDump = '';

  before(async function () {
    const tool = await ensureDotnetDump();
    if (!tool.available) {
      console.log(`    skipped: dotnet-dump is not available: ${tool.reason}`);
      this.skip();
    }
    dotnetDump = tool.command;
  });
  after(() => cleanupDumps());

  for (const c of cases) {
    describe(c.fixture, () => {
      let dump = '';
      before(async () => {
        const fixture = await RunningFixture.start(c.fixture);
        try {
          dump = await captureFixture(fixture);
        } finally {
          await fixture.stop();
        }
      });

      it('stats --all --json equals dumpheap -stat, type by type, and free space against the Free row', async () => {
        const [ours, sos] = await Promise.all([
          runJson<HeapStats>(['stats', dump, '--all']),
          runSos(dotnetDump, dump, ['dumpheap -stat'], SOS_TIMEOUT_MS).then((r) => parseDumpheapStat(r.output)),
        ]);
        // SOS prints one row per method table; two method tables can share a name (HeapLens sums them).
        const theirs = new Map<string, { count: number; bytes: number }>();
        for (const row of sos.rows) {
          const sum = theirs.get(row.name) ?? { count: 0, bytes: 0 };
          sum.count += row.count;
          sum.bytes += row.bytes;
          theirs.set(row.name, sum);
        }
        const free = theirs.get('Free') ?? { count: 0, bytes: 0 };
        theirs.delete('Free');
        const mismatches: string[] = [];
        for (const t of ours.types) {
          const s = theirs.get(t.name);
          if (!s) mismatches.push(`${t.name}: HeapLens ${t.count} / ${t.bytes} B, SOS has no such type`);
          else if (s.count !== t.count || s.bytes !== t.bytes) mismatches.push(`${t.name}: HeapLens ${t.count} / ${t.bytes} B, SOS ${s.count} / ${s.bytes} B`);
          theirs.delete(t.name);
        }
        for (const [name, s] of theirs) mismatches.push(`${name}: SOS ${s.count} / ${s.bytes} B, HeapLens has no such type`);
        assert.deepStrictEqual(mismatches, []);
        assert.deepStrictEqual(ours.free, free, 'free space: HeapLens `free` against SOS "Free"');
        assert.strictEqual(ours.objects + ours.free.count, sos.totalObjects, 'SOS totals count free objects too');
        assert.strictEqual(ours.bytes + ours.free.bytes, sos.totalBytes);
        // Not only equal to each other: both see what the fixture made.
        assert.strictEqual(ours.types.find((t) => t.name === c.type)?.count, c.count(fixtureSource(c.fixture)));
      });

      it('gcroot finds a root where HeapLens finds a retention path, through the same objects', async () => {
        const byType = await runJson<RetentionPaths>(['roots', dump, '--type', c.type, '--max', '1']);
        const target = byType.paths[0]?.links.at(-1)?.address;
        assert.ok(target, `HeapLens finds no retention path for ${c.type}`);
        const ours = await runJson<RetentionPaths>(['roots', dump, '--address', target]);
        assert.ok(ours.paths.length > 0);
        const { output } = await runSos(dotnetDump, dump, [`gcroot ${target}`], SOS_TIMEOUT_MS);
        const found = /Found (\d+) unique roots/.exec(output);
        assert.ok(found && Number(found[1]) > 0, `gcroot ${target} finds no root:\n${output.slice(-2000)}`);
        const chains = gcrootChains(output);
        for (const path of ours.paths) {
          const addresses = path.links.map((l) => BigInt(l.address));
          const onAChain = chains.some((chain) => isSubsequence(addresses, chain));
          assert.ok(onAChain, `the ${path.root.kind} path (${path.links.length} links) is on none of gcroot's ${chains.length} chains`);
        }
        if (c.rootKind === 'stack') {
          // SOS prints the frame that holds the local: the same method HeapLens names.
          const root = ours.paths.find((p) => p.root.kind === 'stack')?.root;
          assert.ok(root && root.kind === 'stack');
          assert.ok(output.includes(`${root.method}(`), `gcroot names no frame of ${root.method}`);
        } else {
          // Static fields live in an object[] the runtime holds by a strong handle: gcroot prints the handle and
          // that array, then the field's value. It names the field from its own guess, which can be wrong (on
          // .NET 10 it printed "Object.s_osVersion" for StaticCache.Cache.s_items), so the name is not compared.
          assert.ok(ours.paths.some((p) => p.root.kind === 'static'));
          assert.match(output, /HandleTable:/);
        }
      });
    });
  }
});

/** The chains gcroot prints: after each root line, the "-> address type" lines, in order. */
function gcrootChains(output: string): bigint[][] {
  const chains: bigint[][] = [];
  let current: bigint[] | undefined;
  for (const line of output.split('\n')) {
    const link = /^\s*->\s+([0-9a-fA-F]+)\s/.exec(line);
    if (link) {
      current ??= [];
      current.push(BigInt(`0x${link[1]}`));
    } else if (current) {
      chains.push(current);
      current = undefined;
    }
  }
  if (current) chains.push(current);
  return chains;
}

function isSubsequence(needle: bigint[], haystack: bigint[]): boolean {
  let at = 0;
  for (const item of haystack) if (at < needle.length && item === needle[at]) at++;
  return at === needle.length;
}
