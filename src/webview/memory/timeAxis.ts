// The arithmetic of the Memory view's time axis, apart from the DOM so it is unit-tested: which span of time is drawn
// (the last few minutes, or all of it while there is less) and where a moment falls on it. Pure: no DOM, no Node.

/** Minutes of history the chart shows at most; older seconds scroll off the left edge (the extension keeps an hour). */
export const WINDOW_MS = 5 * 60_000;

export interface TimeSpan {
  from: number;
  to: number;
}

/** The span drawn: up to the latest moment known, back `windowMs` or to the first one, at least a second wide. */
export function visibleSpan(times: number[], windowMs = WINDOW_MS): TimeSpan | undefined {
  if (times.length === 0) return undefined;
  const to = Math.max(...times);
  const from = Math.max(Math.min(...times), to - windowMs);
  return { from: Math.min(from, to - 1000), to };
}

/** x of `time` in a plot `width` wide; undefined when the moment is outside the span. */
export function xOf(time: number, span: TimeSpan, width: number): number | undefined {
  if (time < span.from || time > span.to) return undefined;
  return ((time - span.from) / (span.to - span.from)) * width;
}

/** About `wanted` round moments (every 10 s, 30 s, 1 min…) inside the span, for the axis labels. */
export function timeTicks(span: TimeSpan, wanted = 4): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map((s) => s * 1000);
  const step = steps.find((s) => (span.to - span.from) / s <= wanted) ?? steps[steps.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil(span.from / step) * step; t <= span.to; t += step) ticks.push(t);
  return ticks;
}
