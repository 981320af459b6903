// Human-readable output: numbers with thousands separators, aligned SOS-like tables, and retention paths with
// long runs folded (the --json output is never folded: it is the agent's result as is).
import * as assert from 'assert';
import { renderDiff, renderLayout, renderStats } from '../../src/cli/render';
import { describeRoot, foldLinks, renderPath, renderRetentionGroups, renderRetentionPaths } from '../../src/cli/retentionText';
import { linkCount } from '../../src/common/retentionFolding';
import { formatCount, formatDelta, renderTable } from '../../src/cli/table';
import { countOf } from '../../src/common/numbers';
import { allocationsText } from '../../src/cli/allocations';
import { PathLink, RetentionPath } from '../../src/protocol/agent';

describe('numbers and tables', () => {
  it('writes counts with comma thousands separators whatever the locale', () => {
    assert.deepStrictEqual([0, 7, 999, 1000, 1234567, -12000].map(formatCount), ['0', '7', '999', '1,000', '1,234,567', '-12,000']);
    assert.deepStrictEqual([500, 0, -3].map(formatDelta), ['+500', '0', '-3']);
  });

  it('counts with their noun: singular for exactly one', () => {
    assert.deepStrictEqual([0, 1, 2, 2451].map((n) => countOf(n, 'sample')), ['0 samples', '1 sample', '2 samples', '2,451 samples']);
    assert.strictEqual(countOf(1, 'allocation sample'), '1 allocation sample');
    const report = {
      seconds: 3,
      sampling: 'AllocationSampled' as const,
      samplingText: 'a random sample',
      samples: 1,
      types: [{ name: 'App.Order', samples: 1, estimatedBytes: 102_400, sites: [{ method: 'App.Make()', file: null, line: null, samples: 1, share: 1, stack: [] }] }],
    };
    const text = allocationsText(report);
    assert.strictEqual(text[0], '1 allocation sample in 3 s. Sampling: a random sample.');
    assert.ok(text.some((l) => l.endsWith('(estimated)  1 sample')), text.join('\n'));
  });

  it('right-aligns numeric columns under their headers and leaves no trailing spaces', () => {
    const lines = renderTable(
      [
        { header: 'Count', align: 'right' },
        { header: 'TotalSize', align: 'right' },
        { header: 'Class Name', align: 'left' },
      ],
      [
        ['5,000', '160,000', 'Chain.Leak'],
        ['12', '96', 'System.String'],
      ],
    );
    assert.deepStrictEqual(lines, ['Count  TotalSize  Class Name', '5,000    160,000  Chain.Leak', '   12         96  System.String']);
  });
});

describe('command output', () => {
  it('stats: one row per type with its retained bytes, the totals and the unreachable objects left out', () => {
    const stats = {
      objects: 5012,
      bytes: 1_000_096,
      free: { count: 3, bytes: 120 },
      unreachable: { count: 7, bytes: 700 },
      types: [
        { name: 'Chain.Leak', count: 5000, bytes: 1_000_000, retainedBytes: 1_500_000 },
        { name: 'System.String', count: 12, bytes: 96, retainedBytes: 96 },
      ],
    };
    assert.deepStrictEqual(renderStats(stats), [
      'Count  TotalSize   Retained  Class Name',
      '5,000  1,000,000  1,500,000  Chain.Leak',
      '   12         96         96  System.String',
      'Total 5,012 live objects, 1,000,096 bytes',
      'Free  3 objects, 120 bytes',
      'Unreachable 7 objects, 700 bytes not counted (dead, waiting for the next GC; --all counts them)',
    ]);
    assert.deepStrictEqual(renderStats(stats, true).slice(-3), [
      'Total 5,012 objects, 1,000,096 bytes',
      'Free  3 objects, 120 bytes',
      'Unreachable 7 objects, 700 bytes (dead, waiting for the next GC; included above)',
    ]);
  });

  it('diff: after-values with signed changes of count, bytes and retained bytes, unchanged types left out and counted', () => {
    const lines = renderDiff({
      types: [
        { name: 'Chain.Leak', before: { count: 5000, bytes: 160000, retainedBytes: 660000 }, after: { count: 5500, bytes: 176000, retainedBytes: 726000 } },
        { name: 'System.Byte[]', before: { count: 10, bytes: 1000, retainedBytes: 1000 }, after: { count: 4, bytes: 400, retainedBytes: 400 } },
        { name: 'System.String', before: { count: 3, bytes: 90, retainedBytes: 90 }, after: { count: 3, bytes: 90, retainedBytes: 90 } },
      ],
      unreachable: { before: { count: 2, bytes: 48 }, after: { count: 9, bytes: 216 } },
    });
    assert.deepStrictEqual(lines, [
      'Count   +/-  TotalSize      +/-  Retained      +/-  Class Name',
      '5,500  +500    176,000  +16,000   726,000  +66,000  Chain.Leak',
      '    4    -6        400     -600       400     -600  System.Byte[]',
      'Total +494 objects, +15,400 bytes (1 unchanged types not shown)',
      'Unreachable 9 objects, 216 bytes not counted (dead, waiting for the next GC; --all counts them) in <after> (2 in <before>)',
    ]);
  });

  it('diff --top: fewer rows, totals still over every type', () => {
    const row = (name: string, grow: number) => ({
      name,
      before: { count: 1, bytes: 10, retainedBytes: 10 },
      after: { count: 1 + grow, bytes: 10 + 10 * grow, retainedBytes: 10 + 10 * grow },
    });
    const lines = renderDiff({ types: [row('A', 3), row('B', 2), row('C', 1)] }, 1);
    assert.deepStrictEqual(lines.slice(1), ['    4   +3         40  +30        40  +30  A', 'Total +6 objects, +60 bytes (2 more changed types not shown)']);
  });

  it('heap: one row per GC heap and a total row for server GC', () => {
    const heap = (index: number) => ({ index, gen0: 1000, gen1: 0, gen2: 2000, loh: 0, poh: 100, free: 24 });
    const lines = renderLayout({ gcMode: 'server', heaps: [heap(0), heap(1)] });
    assert.strictEqual(lines[0], 'GC mode: server (2 heaps), sizes in bytes');
    assert.strictEqual(lines[1], ' Heap   Gen0  Gen1   Gen2  LOH  POH  Free');
    assert.strictEqual(lines[4], 'Total  2,000     0  4,000    0  200    48');
  });
});

describe('retention paths in text', () => {
  const leak = (n: number, field: string | null): PathLink => ({ address: `0x${(0x1000 + n * 0x20).toString(16)}`, type: 'Chain.Leak', field });
  /** The Chain fixture's path to its oldest link: the head held by a local, then count-1 m_prevLeak links. */
  const chain = (count: number): PathLink[] => [leak(count, null), ...Array.from({ length: count - 1 }, (_, i) => leak(count - 1 - i, 'm_prevLeak'))];

  it('folds a long run of one field and type, keeping the run’s last link', () => {
    const lines = foldLinks(chain(5000));
    assert.strictEqual(lines.length, 3);
    assert.deepStrictEqual(lines[1], { kind: 'fold', field: 'm_prevLeak', type: 'Chain.Leak', count: 4998, entries: 4998 });
    assert.deepStrictEqual(lines[2], { kind: 'link', link: leak(1, 'm_prevLeak') });
  });

  it('shows a run the agent folded (a link with repeat) as the same lines, counting its links in full', () => {
    const full = chain(5000);
    // What the agent sends without `full`: the run's first link carries how many it stands for, then the run's last.
    const folded: PathLink[] = [full[0], { ...full[1], repeat: 4998 }, full[4999]];
    assert.deepStrictEqual(foldLinks(folded), [
      { kind: 'link', link: full[0] },
      { kind: 'fold', field: 'm_prevLeak', type: 'Chain.Leak', count: 4998, entries: 1 },
      { kind: 'link', link: full[4999] },
    ]);
    assert.strictEqual(linkCount(folded), 5000);
    assert.strictEqual(linkCount(full), 5000);
    const root: RetentionPath['root'] = { kind: 'stack', thread: 1, method: 'Chain.Program.Main' };
    assert.deepStrictEqual(renderRetentionPaths({ paths: [{ root, links: folded }] }, 'x'), renderRetentionPaths({ paths: [{ root, links: full }] }, 'x'));
  });

  it('prints short runs in full and never folds across different fields or types', () => {
    assert.strictEqual(foldLinks(chain(4)).length, 4); // a run of 3 is below the fold threshold
    const mixed: PathLink[] = [
      { address: '0x10', type: 'A', field: null },
      { address: '0x20', type: 'B', field: 'next' },
      { address: '0x30', type: 'B', field: 'next' },
      { address: '0x40', type: 'C', field: 'next' },
      { address: '0x50', type: 'C', field: 'other' },
    ];
    assert.deepStrictEqual(
      foldLinks(mixed, 2).map((l) => (l.kind === 'fold' ? `fold ${l.field} ${l.count}` : l.link.address)),
      ['0x10', 'fold next 1', '0x30', '0x40', '0x50'],
    );
  });

  it('prints the root, the first link, fields with a dot, array slots as they are', () => {
    const path: RetentionPath = {
      root: { kind: 'stack', thread: 1, method: 'Chain.Program.Main', file: '/src/Program.cs', line: 31 },
      links: [
        { address: '0x10', type: 'System.Object[]', field: null },
        { address: '0x20', type: 'Chain.Leak', field: '[3]' },
        ...chain(6).slice(1),
      ],
    };
    assert.deepStrictEqual(renderPath(path), [
      'stack root: thread 1, Chain.Program.Main at /src/Program.cs:31',
      '-> 0x10 System.Object[]',
      '  [3] -> 0x20 Chain.Leak',
      '  … m_prevLeak × 4',
      '  .m_prevLeak -> 0x1020 Chain.Leak',
    ]);
  });

  it('describes every kind of root', () => {
    assert.strictEqual(describeRoot({ kind: 'static', field: 'Cache.Program.s_items' }), 'static field Cache.Program.s_items');
    assert.strictEqual(
      describeRoot({ kind: 'static', field: 'ThreadCache.QuoteCache.t_recent', thread: 7 }),
      'thread-static field ThreadCache.QuoteCache.t_recent (thread 7)',
    );
    assert.strictEqual(describeRoot({ kind: 'handle', handleKind: 'pinned' }), 'Pinned handle', 'the same words as the Retention Paths view');
    assert.strictEqual(describeRoot({ kind: 'finalizer' }), 'finalizer queue');
    assert.strictEqual(describeRoot({ kind: 'stack', method: 'M' }), 'stack root: M');
  });

  it('says "1 link", "1 retention group" and "1 live instance", plurals from 2 on', () => {
    const root = { kind: 'static' as const, field: 'Journal.Head' };
    const paths = renderRetentionPaths({ paths: [{ root, links: chain(1) }, { root, links: chain(2) }] }, 'Node');
    assert.deepStrictEqual(paths.filter((l) => l.startsWith('Path ')), ['Path 1 of 2 (1 link)', 'Path 2 of 2 (2 links)']);
    const group = { count: 1, bytes: 40, retainedBytes: 40, root, links: [{ type: 'Node', field: null }], example: '0x10' };
    assert.strictEqual(renderRetentionGroups({ type: 'Node', instances: 1, groups: [group] })[0], '1 live instance of Node in 1 retention group, largest retained first:');
    const more = renderRetentionGroups({ type: 'Node', instances: 3, groups: [group], otherGroups: { groups: 1, count: 2, bytes: 80, retainedBytes: 80 } });
    assert.strictEqual(more[0], '3 live instances of Node in 2 retention groups, largest retained first:');
    assert.match(more[more.length - 1], /^1 more group: 2 instances, 80 bytes/);
  });
});
