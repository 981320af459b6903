// Numbers as people read them, the same in the CLI and the views: counts with thousands separators, signed
// changes, and byte sizes in KB/MB. Independent of the locale, so tests and screenshots do not depend on it.

/** 1234567 → "1,234,567" (always commas, so output does not depend on the machine's locale). */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + Math.trunc(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A count with its noun: "1 sample", "2,451 samples" (plural: the noun with an s unless given). */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : plural}`;
}

/** Signed change: "+500", "-12,000", "0". */
export function formatDelta(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** 999 → "999 B", 16800 → "16.4 KB", 5242880 → "5.0 MB" (1 KB = 1024 bytes, one decimal). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${Math.trunc(value)} B`;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 KB would print as "1024.0 KB": carry it into the next unit.
  if (Number(value.toFixed(1)) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Signed byte change: "+16.4 KB", "-2.0 MB", "0 B". */
export function formatBytesDelta(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** Figures in bytes: "…Bytes", and the accumulation point's retained size before and its growth. */
const BYTE_FIGURE = /bytes$|^retained(Before|Growth)$/i;

/**
 * An insight's figure as people read it, the same in the Insights view and on the summary page: counts with
 * thousands separators, byte figures (named "…Bytes", retainedBefore, retainedGrowth) with their size in KB/MB too,
 * shares ("…Percent") with a % sign.
 */
export function figureText(name: string, value: number | string): string {
  if (typeof value !== 'number') return value;
  if (/percent$/i.test(name)) return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
  return BYTE_FIGURE.test(name) && Math.abs(value) >= 1024 ? `${formatCount(value)} (${formatBytes(value)})` : formatCount(value);
}

/** A size with its exact byte count: "999 bytes", "16.4 KB (16,800 bytes)" (the debug adapter's Heap scope). */
export function formatBytesExact(bytes: number): string {
  return Math.abs(bytes) < 1024 ? `${formatCount(bytes)} bytes` : `${formatBytes(bytes)} (${formatCount(bytes)} bytes)`;
}
