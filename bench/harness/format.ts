// How the benchmark writes numbers for people: durations, sizes and ratios, a median with its spread in one scale.
import { Summary } from './results';

export function formatSummary(s: Summary | undefined): string {
  if (!s) return '–';
  const scale = scaleFor(s.unit, s.median);
  if (s.samples.length === 1 || scale(s.min, false) === scale(s.max, false)) return scale(s.median, true);
  // "1.2 s (0.9–1.4 s)", but "×35 (34–36)": the ratio's sign goes in front.
  return `${scale(s.median, true)} (${scale(s.min, false)}–${scale(s.max, s.unit !== 'ratio')})`;
}

export function formatValue(unit: Summary['unit'], value: number): string {
  return scaleFor(unit, value)(value, true);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  return formatValue('bytes', bytes);
}

type Scaled = (value: number, withUnit: boolean) => string;

/** One scale for a median and its spread, chosen by the median, so "1.2 s (0.9–1.4 s)" reads at a glance. */
function scaleFor(unit: Summary['unit'], median: number): Scaled {
  const u = (text: string, suffix: string, withUnit: boolean) => (withUnit ? `${text} ${suffix}` : text);
  switch (unit) {
    case 'ms':
      return median >= 1000 ? (v, w) => u((v / 1000).toFixed(2), 's', w) : (v, w) => u(v < 10 ? v.toFixed(1) : Math.round(v).toString(), 'ms', w);
    case 'bytes':
      return median >= 1 << 30 ? (v, w) => u((v / (1 << 30)).toFixed(2), 'GB', w) : (v, w) => u((v / (1 << 20)).toFixed(1), 'MB', w);
    case 'bytes/object':
      return (v, w) => u(v.toFixed(1), 'B', w);
    case 'ratio':
      return (v, w) => `${w ? '×' : ''}${v < 10 ? v.toFixed(1) : Math.round(v)}`;
  }
}
