// The arithmetic of the summary page's charts, apart from the DOM so it is unit-tested: round axis ticks, the
// segments of a stacked bar, and the points of a line. Pure: no DOM, no Node.

/** Axis ticks from 0 to at least `max`, at a round step (1, 2 or 5 × 10^n, or × 1024^n for bytes). */
export function niceTicks(max: number, wanted = 4, bytes = false): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / wanted;
  let step: number;
  if (bytes && raw >= 1) {
    // Within a unit (B, KB, MB…) steps of 1, 2, 5 … 500, then one of the next unit, so labels read "1.0 MB", not "1000.0 KB".
    const base = 1024 ** Math.floor(Math.log(raw) / Math.log(1024));
    step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1024].map((m) => m * base).find((s) => s >= raw) ?? 1024 * base;
  } else {
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  }
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) {
    ticks.push(t);
    if (t >= max) break;
  }
  return ticks;
}

export interface Segment {
  key: string;
  value: number;
  /** Start and width, in the bar's units (0..width). */
  x: number;
  width: number;
}

/** Stacks `parts` left to right in a bar of `width` units scaled so that `scaleMax` fills it; empty parts are dropped. */
export function stackSegments(parts: Array<{ key: string; value: number }>, scaleMax: number, width: number): Segment[] {
  const segments: Segment[] = [];
  let x = 0;
  for (const part of parts) {
    if (!(part.value > 0) || !(scaleMax > 0)) continue;
    const w = (part.value / scaleMax) * width;
    segments.push({ key: part.key, value: part.value, x, width: w });
    x += w;
  }
  return segments;
}

/** The SVG points ("x,y x,y …") of a series in a plot of `width` × `height`, y growing downwards, 0 at the bottom. */
export function linePoints(values: number[], yMax: number, width: number, height: number): Array<{ x: number; y: number }> {
  const n = values.length;
  return values.map((v, i) => ({
    x: n === 1 ? width / 2 : (i / (n - 1)) * width,
    y: yMax > 0 ? height - (Math.max(0, v) / yMax) * height : height,
  }));
}
