// Medians and spread (min–max) of a measure over several runs.
import { Summary } from './results';

export function summarize(samples: number[], unit: Summary['unit']): Summary | undefined {
  const values = samples.filter((v) => Number.isFinite(v));
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { unit, samples: values, median, min: sorted[0], max: sorted[sorted.length - 1] };
}
