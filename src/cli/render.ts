// Human-readable text of each command's result, in the manner of SOS (dumpheap -stat, eeheap -gc, dumpobj).
// The --json output is the result object itself; this file only decides how people see it.
import { Dominators, HeapDiff, HeapLayout, HeapObject, HeapStats, Instances } from '../protocol/agent';
import { describeRoot } from './retentionText';
import { DumpResult } from '../diagnostics/dump';
import { DotnetProcess } from '../diagnostics/processes';
import { formatCount, formatDelta, formatDuration, renderTable } from './table';

export function renderProcesses(processes: DotnetProcess[]): string[] {
  if (processes.length === 0) return ['No .NET processes found (a process started with DOTNET_EnableDiagnostics=0 cannot be seen).'];
  return renderTable(
    [
      { header: 'PID', align: 'right' },
      { header: 'Runtime', align: 'left' },
      { header: 'Command Line', align: 'left' },
    ],
    processes.map((p) => [String(p.pid), p.runtimeVersion || (p.responding ? '?' : 'not responding'), p.commandLine]),
  );
}

export function renderCapture(result: DumpResult & { collected?: unknown }): string[] {
  const gc = result.collected
    ? 'after a full garbage collection, so it holds live objects only'
    : 'without a garbage collection first (--no-gc), so it also holds garbage the next GC would free';
  return [`Wrote ${result.path} (${formatCount(result.bytes)} bytes in ${formatDuration(result.ms)}), ${gc}. It holds the process's memory: keep it private.`];
}

/** One line on the objects no root reaches: counted in the table (with --all) or left out of it. */
function unreachableLine(unreachable: { count: number; bytes: number }, all: boolean): string {
  const what = `${formatCount(unreachable.count)} objects, ${formatCount(unreachable.bytes)} bytes`;
  return all ? `Unreachable ${what} (dead, waiting for the next GC; included above)` : `Unreachable ${what} not counted (dead, waiting for the next GC; --all counts them)`;
}

export function renderStats(stats: Omit<HeapStats, 'totalTypes'>, all = false): string[] {
  const table = renderTable(
    [
      { header: 'Count', align: 'right' },
      { header: 'TotalSize', align: 'right' },
      { header: 'Retained', align: 'right' },
      { header: 'Class Name', align: 'left' },
    ],
    stats.types.map((t) => [formatCount(t.count), formatCount(t.bytes), formatCount(t.retainedBytes), t.name]),
  );
  return [
    ...table,
    `Total ${formatCount(stats.objects)} ${all ? '' : 'live '}objects, ${formatCount(stats.bytes)} bytes`,
    `Free  ${formatCount(stats.free.count)} objects, ${formatCount(stats.free.bytes)} bytes`,
    ...(stats.unreachable ? [unreachableLine(stats.unreachable, all)] : []),
  ];
}

/** Rows for the first `top` changed types; the totals always cover every type. */
export function renderDiff(diff: Pick<HeapDiff, 'types'> & Partial<Pick<HeapDiff, 'unreachable'>>, top?: number, all = false): string[] {
  const allChanged = diff.types.filter((t) => t.before.count !== t.after.count || t.before.bytes !== t.after.bytes);
  const changed = top ? allChanged.slice(0, top) : allChanged;
  if (changed.length === 0) return [`No heap type changed (${formatCount(diff.types.length)} types compared).`];
  const table = renderTable(
    [
      { header: 'Count', align: 'right' },
      { header: '+/-', align: 'right' },
      { header: 'TotalSize', align: 'right' },
      { header: '+/-', align: 'right' },
      { header: 'Retained', align: 'right' },
      { header: '+/-', align: 'right' },
      { header: 'Class Name', align: 'left' },
    ],
    changed.map((t) => [
      formatCount(t.after.count),
      formatDelta(t.after.count - t.before.count),
      formatCount(t.after.bytes),
      formatDelta(t.after.bytes - t.before.bytes),
      formatCount(t.after.retainedBytes),
      formatDelta(t.after.retainedBytes - t.before.retainedBytes),
      t.name,
    ]),
  );
  const sum = (f: (t: (typeof diff.types)[number]) => number) => diff.types.reduce((s, t) => s + f(t), 0);
  const countDelta = sum((t) => t.after.count - t.before.count);
  const bytesDelta = sum((t) => t.after.bytes - t.before.bytes);
  const unchanged = diff.types.length - allChanged.length;
  const notes = [
    allChanged.length > changed.length ? `${formatCount(allChanged.length - changed.length)} more changed types not shown` : '',
    unchanged ? `${formatCount(unchanged)} unchanged types not shown` : '',
  ].filter(Boolean);
  const unreachable = diff.unreachable ? [`${unreachableLine(diff.unreachable.after, all)} in <after> (${formatCount(diff.unreachable.before.count)} in <before>)`] : [];
  return [...table, `Total ${formatDelta(countDelta)} objects, ${formatDelta(bytesDelta)} bytes` + (notes.length ? ` (${notes.join('; ')})` : ''), ...unreachable];
}

export function renderLayout(layout: HeapLayout): string[] {
  const keys = ['gen0', 'gen1', 'gen2', 'loh', 'poh', 'free'] as const;
  const rows = layout.heaps.map((h) => [String(h.index), ...keys.map((k) => formatCount(h[k]))]);
  if (layout.heaps.length > 1) rows.push(['Total', ...keys.map((k) => formatCount(layout.heaps.reduce((s, h) => s + h[k], 0)))]);
  return [
    `GC mode: ${layout.gcMode} (${layout.heaps.length} heap${layout.heaps.length === 1 ? '' : 's'}), sizes in bytes`,
    ...renderTable(
      [
        { header: 'Heap', align: 'right' },
        { header: 'Gen0', align: 'right' },
        { header: 'Gen1', align: 'right' },
        { header: 'Gen2', align: 'right' },
        { header: 'LOH', align: 'right' },
        { header: 'POH', align: 'right' },
        { header: 'Free', align: 'right' },
      ],
      rows,
    ),
  ];
}

export function renderInstances(result: Instances): string[] {
  const table = renderTable(
    [
      { header: 'Address', align: 'left' },
      { header: 'Size', align: 'right' },
      { header: 'Retained', align: 'right' },
    ],
    result.instances.map((i) => [i.address, formatCount(i.size), i.unreachable ? 'unreachable' : formatCount(i.retainedBytes)]),
  );
  const shown = result.instances.length < result.count ? ` (showing ${formatCount(result.instances.length)}; --limit N for more)` : '';
  return [...(result.instances.length ? table : []), `${result.type}: ${formatCount(result.count)} instances${shown}`];
}

export function renderObject(obj: HeapObject): string[] {
  const lines = [
    `Address:  ${obj.address}`,
    `Type:     ${obj.type}`,
    `Size:     ${formatCount(obj.size)} bytes`,
    obj.unreachable ? 'Retained: nothing (no root reaches it: it is dead, waiting for the next GC)' : `Retained: ${formatCount(obj.retainedBytes)} bytes`,
  ];
  if (obj.length !== undefined) lines.push(`Length:   ${formatCount(obj.length)}`);
  if (obj.text !== undefined) lines.push(`Text:     ${JSON.stringify(obj.text)}`);
  if (obj.fields.length === 0) return [...lines, 'Fields:   none'];
  return [
    ...lines,
    'Fields:',
    ...renderTable(
      [
        { header: 'Name', align: 'left' },
        { header: 'Type', align: 'left' },
        { header: 'Value', align: 'left' },
      ],
      obj.fields.map((f) => [f.name, f.type, f.value]),
    ).map((l) => `  ${l}`),
  ];
}

/** The biggest retainers (or one object's children in the dominator tree), with the root each one hangs from. */
export function renderDominators(result: Pick<Dominators, 'liveObjects' | 'liveBytes' | 'items'> & { total?: number }, address?: string): string[] {
  const header = address
    ? `Objects that ${address} alone keeps alive directly (its children in the dominator tree):`
    : `Objects that keep the most memory alive (of ${formatCount(result.liveObjects)} live objects, ${formatCount(result.liveBytes)} bytes):`;
  if (result.items.length === 0) return [header, address ? '  none: it keeps only itself alive.' : '  none.'];
  const percent = (bytes: number) => (result.liveBytes > 0 ? `${((100 * bytes) / result.liveBytes).toFixed(1)}%` : '');
  const table = renderTable(
    [
      { header: 'Address', align: 'left' },
      { header: 'Retained', align: 'right' },
      { header: '%', align: 'right' },
      { header: 'Objects', align: 'right' },
      { header: 'Size', align: 'right' },
      { header: 'Type', align: 'left' },
      { header: 'Held by', align: 'left' },
    ],
    result.items.map((d) => [d.address, formatCount(d.retainedBytes), percent(d.retainedBytes), formatCount(d.retainedObjects), formatCount(d.size), d.type, d.root ? describeRoot(d.root) : '']),
  );
  const more = result.total !== undefined && result.total > result.items.length ? [`(${formatCount(result.total - result.items.length)} more; --top N for more)`] : [];
  return [header, ...table, ...more];
}
