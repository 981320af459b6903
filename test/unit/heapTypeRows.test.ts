// The Heap Types view's rows: growth between two snapshots, new types, sorting, filtering, grouping, and the text
// each row shows. Expected figures are worked out here from the inputs, not copied from output.
import * as assert from 'assert';
import { formatBytes, formatBytesDelta } from '../../src/common/numbers';
import { HeapDiff, TypeDiff } from '../../src/protocol/agent';
import {
  filterRows,
  groupByNamespace,
  growthText,
  nextSort,
  rowDescription,
  rowsFromDiff,
  rowsFromStats,
  rowTooltip,
  sortRows,
} from '../../src/snapshots/heapTypeRows';

/** A type's diff; what its instances retain is their own bytes unless `retained` says more (before, after). */
const diffOf = (name: string, before: [number, number], after: [number, number], retained?: [number, number]): TypeDiff => ({
  name,
  before: { count: before[0], bytes: before[1], retainedBytes: retained?.[0] ?? before[1] },
  after: { count: after[0], bytes: after[1], retainedBytes: retained?.[1] ?? after[1] },
});
/** Chain's Leak objects (40 bytes) each own a byte[100] of 124 bytes: the type retains both. */
const LEAK_RETAINS = 40 + 124;

describe('heap type rows', () => {
  // The Chain fixture's shape: 5,000 → 5,500 Leak objects of 40 bytes; byte[] grows with them; a new type appears.
  const diff: Pick<HeapDiff, 'types'> = {
    types: [
      diffOf('Chain.Leak', [5000, 5000 * 40], [5500, 5500 * 40], [5000 * LEAK_RETAINS, 5500 * LEAK_RETAINS]),
      diffOf('System.Byte[]', [5002, 624_144], [5502, 686_544]),
      diffOf('System.String', [300, 20_000], [290, 19_000]),
      diffOf('Chain.NewThing', [0, 0], [3, 96]),
      diffOf('Chain.Gone', [7, 224], [0, 0]),
      diffOf('System.Object', [10, 240], [10, 240]),
    ],
  };

  it('computes growth as after minus before, marks new types and drops types that are gone', () => {
    const rows = rowsFromDiff(diff);
    const leak = rows.find((r) => r.name === 'Chain.Leak')!;
    assert.deepStrictEqual(leak.growth, { count: 500, bytes: 500 * 40 });
    assert.strictEqual(leak.isNew, false);
    assert.deepStrictEqual(rows.find((r) => r.name === 'System.String')!.growth, { count: -10, bytes: -1000 });
    const added = rows.find((r) => r.name === 'Chain.NewThing')!;
    assert.strictEqual(added.isNew, true);
    assert.deepStrictEqual(added.growth, { count: 3, bytes: 96 });
    assert.strictEqual(rows.find((r) => r.name === 'Chain.Gone'), undefined);
    assert.strictEqual(rows.length, diff.types.length - 1);
  });

  it('without a comparison rows have no growth and nothing is new', () => {
    const rows = rowsFromStats([{ name: 'A', count: 1, bytes: 24, retainedBytes: 48 }]);
    assert.deepStrictEqual(rows, [{ name: 'A', count: 1, bytes: 24, retainedBytes: 48, isNew: false }]);
    assert.strictEqual(rowDescription(rows[0]), `1 · ${formatBytes(24)} · ${formatBytes(48)} retained`);
    assert.strictEqual(rowDescription({ count: 1, bytes: 24, isNew: false }), `1 · ${formatBytes(24)}`, 'no retained figure when the agent gave none');
  });

  it('sorts by bytes, by count or by growth, largest first, ties by name', () => {
    const rows = rowsFromDiff(diff);
    assert.deepStrictEqual(sortRows(rows, 'bytes').map((r) => r.name).slice(0, 3), ['System.Byte[]', 'Chain.Leak', 'System.String']);
    assert.deepStrictEqual(sortRows(rows, 'count').map((r) => r.name).slice(0, 2), ['System.Byte[]', 'Chain.Leak']);
    // Byte[] grew by 62,400 bytes, Leak by 20,000, NewThing by 96, Object by 0, String shrank.
    assert.deepStrictEqual(sortRows(rows, 'growth').map((r) => r.name), ['System.Byte[]', 'Chain.Leak', 'Chain.NewThing', 'System.Object', 'System.String']);
    const tie = rowsFromStats([
      { name: 'B', count: 1, bytes: 10, retainedBytes: 10 },
      { name: 'A', count: 1, bytes: 10, retainedBytes: 10 },
    ]);
    assert.deepStrictEqual(sortRows(tie, 'growth').map((r) => r.name), ['A', 'B'], 'growth without a comparison sorts by bytes, then name');
    // By retained bytes the Leak (902,000 retained) leads the arrays it owns (686,544, retaining only themselves).
    assert.deepStrictEqual(sortRows(rows, 'retained').map((r) => r.name).slice(0, 3), ['Chain.Leak', 'System.Byte[]', 'System.String']);
    assert.deepStrictEqual(['bytes', 'count', 'growth', 'retained'].map((s) => nextSort(s as never)), ['count', 'growth', 'retained', 'bytes']);
  });

  it('filters by a case-insensitive substring of the full name', () => {
    const rows = rowsFromDiff(diff);
    assert.deepStrictEqual(filterRows(rows, 'chain.').map((r) => r.name).sort(), ['Chain.Leak', 'Chain.NewThing']);
    assert.deepStrictEqual(filterRows(rows, '  BYTE[]  ').map((r) => r.name), ['System.Byte[]']);
    assert.strictEqual(filterRows(rows, '').length, rows.length);
    assert.strictEqual(filterRows(rows, 'nothing like this').length, 0);
  });

  it('groups by namespace with totals, and a group of only new types is new', () => {
    const groups = groupByNamespace(rowsFromDiff(diff), 'bytes');
    assert.deepStrictEqual(groups.map((g) => g.namespace), ['System', 'Chain']);
    const chain = groups[1];
    assert.strictEqual(chain.count, 5503);
    assert.strictEqual(chain.bytes, 5500 * 40 + 96);
    assert.deepStrictEqual(chain.growth, { count: 503, bytes: 500 * 40 + 96 });
    assert.strictEqual(chain.isNew, false);
    assert.deepStrictEqual(chain.rows.map((r) => r.name), ['Chain.Leak', 'Chain.NewThing']);
    const onlyNew = groupByNamespace(rowsFromDiff({ types: [diffOf('Fresh.T', [0, 0], [1, 24])] }), 'bytes');
    assert.strictEqual(onlyNew[0].isNew, true);
    assert.strictEqual(groupByNamespace(rowsFromStats([{ name: 'Global', count: 1, bytes: 1, retainedBytes: 1 }]), 'bytes')[0].namespace, '');
  });

  it('writes growth as "+500 · +16.4 KB" and marks new types', () => {
    // 500 objects of 33.6 bytes on average: 16,800 bytes = 16.40625 KB.
    assert.strictEqual(growthText({ count: 500, bytes: 16_800 }), '+500 · +16.4 KB');
    assert.strictEqual(growthText({ count: -10, bytes: -1000 }), `-10 · ${formatBytesDelta(-1000)}`);
    assert.strictEqual(growthText({ count: 0, bytes: 0 }), 'no change');
    const rows = rowsFromDiff(diff);
    const leak = rows.find((r) => r.name === 'Chain.Leak')!;
    assert.strictEqual(rowDescription(leak), `5,500 · ${formatBytes(220_000)} · ${formatBytes(5500 * LEAK_RETAINS)} retained   +500 · ${formatBytesDelta(20_000)}`);
    const added = rows.find((r) => r.name === 'Chain.NewThing')!;
    assert.ok(rowDescription(added).includes('new +3 · +96 B'), rowDescription(added));
  });

  it('puts the full name and every number in the tooltip', () => {
    const leak = rowsFromDiff(diff).find((r) => r.name === 'Chain.Leak')!;
    assert.deepStrictEqual(rowTooltip(leak, 'Chain #1').split('\n'), [
      'Chain.Leak',
      '5,500 objects, 220,000 bytes (214.8 KB)',
      `902,000 bytes (${formatBytes(902_000)}) retained: freed if every instance went`,
      '+500 objects, +20,000 bytes (+19.5 KB) since Chain #1',
    ]);
  });
});

describe('byte sizes', () => {
  it('uses B below 1 KB, one decimal above, and carries 1023.96 KB into MB', () => {
    assert.deepStrictEqual([0, 1023, 1024, 16_800, 5 * 1024 * 1024, 1024 * 1024 - 40].map(formatBytes), ['0 B', '1023 B', '1.0 KB', '16.4 KB', '5.0 MB', '1.0 MB']);
    assert.deepStrictEqual([2048, -2048, 0].map(formatBytesDelta), ['+2.0 KB', '-2.0 KB', '0 B']);
  });
});
