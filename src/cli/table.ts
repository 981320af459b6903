// Plain-text tables and numbers for human output: right-aligned numeric columns with thousands separators,
// the last column free-running (type names are long), no trailing spaces. Independent of the locale.

export interface Column {
  header: string;
  align: 'left' | 'right';
}

// Counts and changes are shared with the VS Code views (src/common/numbers.ts).
export { formatCount, formatDelta } from '../common/numbers';

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Columns separated by two spaces; headers aligned like their column. */
export function renderTable(columns: Column[], rows: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        if (i === columns.length - 1 && c.align === 'left') return cell;
        return c.align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}
