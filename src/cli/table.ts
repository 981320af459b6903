// Plain-text tables and numbers for human output: right-aligned numeric columns with thousands separators,
// the last column free-running (type names are long), no trailing spaces. Independent of the locale.

export interface Column {
  header: string;
  align: 'left' | 'right';
}

/** 1234567 → "1,234,567" (always commas, so output does not depend on the machine's locale). */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + Math.trunc(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Signed change: "+500", "-12,000", "0". */
export function formatDelta(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}

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
