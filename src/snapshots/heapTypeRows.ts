// The rows of the Heap Types view, from the agent's statistics of one snapshot or its diff against another:
// growth per type, the new types, retained bytes, sorting, the type-name filter and grouping by namespace. Pure, so it is
// unit-tested without VS Code or an agent.
import { formatBytes, formatBytesDelta, formatCount, formatDelta } from '../common/numbers';
import { HeapDiff, TypeStat } from '../protocol/agent';
import { namespaceOf } from './typeNames';

export type HeapTypeSort = 'bytes' | 'count' | 'growth' | 'retained';
export const HEAP_TYPE_SORTS: readonly HeapTypeSort[] = ['bytes', 'count', 'growth', 'retained'];

export interface Growth {
  count: number;
  bytes: number;
}

export interface HeapTypeRow {
  /** Full type name as the agent prints it. */
  name: string;
  count: number;
  bytes: number;
  /**
   * Bytes freed if every instance went (the agent's dominator tree); absent when the agent did not say. Not summed
   * over namespaces: instances of two types can retain the same objects.
   */
  retainedBytes?: number;
  /** Change since the snapshot compared with; absent when there is none. */
  growth?: Growth;
  /** No instance in the snapshot compared with, some now. */
  isNew: boolean;
}

export function rowsFromStats(types: TypeStat[]): HeapTypeRow[] {
  return types.map((t) => ({ name: t.name, count: t.count, bytes: t.bytes, ...retained(t.retainedBytes), isNew: false }));
}

function retained(bytes: number | undefined): { retainedBytes?: number } {
  return typeof bytes === 'number' ? { retainedBytes: bytes } : {};
}

/** Rows of the later snapshot of a diff; types that are gone from it have no row. */
export function rowsFromDiff(diff: Pick<HeapDiff, 'types'>): HeapTypeRow[] {
  return diff.types
    .filter((t) => t.after.count > 0)
    .map((t) => ({
      name: t.name,
      count: t.after.count,
      bytes: t.after.bytes,
      ...retained(t.after.retainedBytes),
      growth: { count: t.after.count - t.before.count, bytes: t.after.bytes - t.before.bytes },
      isNew: t.before.count === 0,
    }));
}

/**
 * Largest first; ties by name so the order is stable. Sorting by growth without a comparison sorts by bytes; by
 * retained bytes, rows without them (namespace groups) sort by bytes.
 */
export function sortRows<T extends { name: string; count: number; bytes: number; retainedBytes?: number; growth?: Growth }>(rows: T[], sort: HeapTypeSort): T[] {
  const key = (r: T): [number, number] => {
    if (sort === 'count') return [r.count, r.bytes];
    if (sort === 'retained') return [r.retainedBytes ?? r.bytes, r.bytes];
    if (sort === 'growth' && r.growth) return [r.growth.bytes, r.growth.count];
    return [r.bytes, r.count];
  };
  return [...rows].sort((a, b) => {
    const [a1, a2] = key(a);
    const [b1, b2] = key(b);
    return b1 - a1 || b2 - a2 || a.name.localeCompare(b.name);
  });
}

/** Case-insensitive substring of the full type name; an empty filter keeps everything. */
export function filterRows<T extends { name: string }>(rows: T[], filter: string | undefined): T[] {
  const needle = filter?.trim().toLowerCase();
  if (!needle) return rows;
  return rows.filter((r) => r.name.toLowerCase().includes(needle));
}

export interface NamespaceGroup {
  /** "" for the global namespace. */
  namespace: string;
  count: number;
  bytes: number;
  growth?: Growth;
  isNew: boolean;
  rows: HeapTypeRow[];
}

/** One group per namespace with its totals; groups and their rows sorted by `sort`. */
export function groupByNamespace(rows: HeapTypeRow[], sort: HeapTypeSort): NamespaceGroup[] {
  const groups = new Map<string, HeapTypeRow[]>();
  for (const row of rows) {
    const ns = namespaceOf(row.name);
    groups.set(ns, [...(groups.get(ns) ?? []), row]);
  }
  const result = [...groups].map(([namespace, members]): NamespaceGroup => {
    const withGrowth = members.filter((m) => m.growth);
    return {
      namespace,
      count: members.reduce((s, m) => s + m.count, 0),
      bytes: members.reduce((s, m) => s + m.bytes, 0),
      growth: withGrowth.length
        ? { count: withGrowth.reduce((s, m) => s + m.growth!.count, 0), bytes: withGrowth.reduce((s, m) => s + m.growth!.bytes, 0) }
        : undefined,
      isNew: members.every((m) => m.isNew),
      rows: sortRows(members, sort),
    };
  });
  return sortRows(
    result.map((g) => ({ ...g, name: g.namespace })),
    sort,
  ).map(({ name: _name, ...g }) => g);
}

/** "+500 · +16.4 KB"; "no change" when neither moved. */
export function growthText(growth: Growth): string {
  if (growth.count === 0 && growth.bytes === 0) return 'no change';
  return `${formatDelta(growth.count)} · ${formatBytesDelta(growth.bytes)}`;
}

/** "5,500 · 214.8 KB" */
export function sizeText(count: number, bytes: number): string {
  return `${formatCount(count)} · ${formatBytes(bytes)}`;
}

/** What a row shows beside its name: count · bytes · retained, then growth (or "new"). */
export function rowDescription(row: { count: number; bytes: number; retainedBytes?: number; growth?: Growth; isNew: boolean }): string {
  const size = `${sizeText(row.count, row.bytes)}${row.retainedBytes !== undefined ? ` · ${formatBytes(row.retainedBytes)} retained` : ''}`;
  if (!row.growth) return size;
  return `${size}   ${row.isNew ? 'new ' : ''}${growthText(row.growth)}`;
}

/** The tooltip's lines: the full name and every number. */
export function rowTooltip(row: HeapTypeRow, comparedWith?: string): string {
  const lines = [row.name, `${formatCount(row.count)} objects, ${formatCount(row.bytes)} bytes (${formatBytes(row.bytes)})`];
  if (row.retainedBytes !== undefined) lines.push(`${formatCount(row.retainedBytes)} bytes (${formatBytes(row.retainedBytes)}) retained: freed if every instance went`);
  if (row.growth) {
    const since = comparedWith ? ` since ${comparedWith}` : '';
    lines.push(
      row.isNew
        ? `New${since}: none before`
        : `${formatDelta(row.growth.count)} objects, ${formatDelta(row.growth.bytes)} bytes (${formatBytesDelta(row.growth.bytes)})${since}`,
    );
  }
  return lines.join('\n');
}

/** The next sort in the toggle's cycle: bytes → count → growth → retained → bytes. */
export function nextSort(sort: HeapTypeSort): HeapTypeSort {
  return HEAP_TYPE_SORTS[(HEAP_TYPE_SORTS.indexOf(sort) + 1) % HEAP_TYPE_SORTS.length];
}
