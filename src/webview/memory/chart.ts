// The Memory view's two charts as hand-written SVG: memory (the GC heap, each generation and the working set, one
// line each) and the allocation rate, on one time axis. Every GC is a tick under the memory chart (taller for gen2),
// every HeapLens snapshot a dashed line with a marker that selects the snapshot when clicked. Colours come from the
// theme through classes (media/memory.css); every shape has a tooltip.
import { formatBytes } from '../../common/numbers';
import type { CounterSample, GcEvent } from '../../protocol/agent';
import type { SnapshotMark } from '../../protocol/memoryView';
import { niceTicks } from '../summary/chartMath';
import { s, tip } from '../summary/dom';
import { timeTicks, TimeSpan, xOf } from './timeAxis';

export type SeriesKey = 'gcHeapBytes' | 'gen0Bytes' | 'gen1Bytes' | 'gen2Bytes' | 'lohBytes' | 'pohBytes' | 'workingSetBytes';

export const MEMORY_SERIES: Array<{ key: SeriesKey; label: string }> = [
  { key: 'workingSetBytes', label: 'Working set' },
  { key: 'gcHeapBytes', label: 'GC heap' },
  { key: 'gen0Bytes', label: 'gen0' },
  { key: 'gen1Bytes', label: 'gen1' },
  { key: 'gen2Bytes', label: 'gen2' },
  { key: 'lohBytes', label: 'LOH' },
  { key: 'pohBytes', label: 'POH' },
];

const LEFT = 62;
const RIGHT = 10;

export interface ChartInput {
  width: number;
  span: TimeSpan;
  samples: CounterSample[];
  gcs: GcEvent[];
  snapshots: SnapshotMark[];
  onSnapshot: (id: string) => void;
}

const clock = (t: number) => new Date(t).toTimeString().slice(0, 8);

/** A line through the seconds that have the figure (a missing figure breaks the line). */
function path(samples: CounterSample[], value: (s: CounterSample) => number | null, x: (t: number) => number | undefined, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const sample of samples) {
    const v = value(sample);
    const px = x(sample.time);
    if (v === null || px === undefined) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px.toFixed(1)},${y(v).toFixed(1)} `;
    pen = true;
  }
  return d.trim();
}

function axes(svg: SVGSVGElement, input: ChartInput, top: number, height: number, yTicks: number[], label: (v: number) => string): void {
  const plotWidth = input.width - LEFT - RIGHT;
  const yMax = yTicks[yTicks.length - 1];
  for (const tick of yTicks) {
    const y = top + height - (tick / yMax) * height;
    svg.append(s('line', { x1: LEFT, x2: LEFT + plotWidth, y1: y, y2: y, class: tick === 0 ? 'axis' : 'grid' }));
    svg.append(s('text', { x: LEFT - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, label(tick)));
  }
  for (const t of timeTicks(input.span)) {
    const x = LEFT + xOf(t, input.span, plotWidth)!;
    svg.append(s('text', { x, y: top + height + 14, class: 'tick', 'text-anchor': 'middle' }, clock(t)));
  }
}

/** Snapshot marks: a dashed line across the plot and a clickable marker at its top. */
function snapshotMarks(svg: SVGSVGElement, input: ChartInput, top: number, height: number): void {
  const plotWidth = input.width - LEFT - RIGHT;
  for (const mark of input.snapshots) {
    const px = xOf(mark.takenAt, input.span, plotWidth);
    if (px === undefined) continue;
    const x = LEFT + px;
    const text = `${mark.label} at ${clock(mark.takenAt)}: click to show it in Heap Types`;
    const group = s('g', { class: 'snapshot-mark link', tabindex: 0, role: 'button', 'data-snapshot': mark.snapshotId, 'aria-label': text }, tip(text));
    group.append(s('line', { x1: x, x2: x, y1: top, y2: top + height, class: 'snapshot-line' }), s('circle', { cx: x, cy: top + 5, r: 5, class: 'snapshot-dot' }));
    group.addEventListener('click', () => input.onSnapshot(mark.snapshotId));
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') input.onSnapshot(mark.snapshotId);
    });
    svg.append(group);
  }
}

export function memoryChart(input: ChartInput): SVGSVGElement {
  const top = 12;
  const height = 150;
  const gcBand = 14;
  const plotWidth = input.width - LEFT - RIGHT;
  const svg = s('svg', { viewBox: `0 0 ${input.width} ${top + height + gcBand + 20}`, width: input.width, class: 'chart memory', role: 'img', 'aria-label': 'Memory of the process over time' });
  const max = Math.max(1, ...input.samples.flatMap((x) => MEMORY_SERIES.map((m) => x[m.key] ?? 0)));
  const ticks = niceTicks(max, 4, true);
  const yMax = ticks[ticks.length - 1];
  axes(svg, input, top, height, ticks, formatBytes);
  const x = (t: number) => {
    const px = xOf(t, input.span, plotWidth);
    return px === undefined ? undefined : LEFT + px;
  };
  const y = (v: number) => top + height - (Math.max(0, v) / yMax) * height;
  for (const series of MEMORY_SERIES) {
    const d = path(input.samples, (sample) => sample[series.key], x, y);
    if (d) svg.append(s('path', { d, class: `line series-${series.key}`, 'data-series': series.key }, tip(series.label)));
  }
  // The GCs, under the plot: one tick each, gen2 tallest; GCs closer than a pixel share one tick (the highest generation).
  const gcTop = top + height + 2;
  const columns = new Map<number, GcEvent>();
  for (const gc of input.gcs) {
    const px = x(gc.time);
    if (px === undefined) continue;
    const column = Math.round(px);
    const other = columns.get(column);
    if (!other || gc.generation > other.generation) columns.set(column, gc);
  }
  for (const gc of columns.values()) {
    const px = x(gc.time)!;
    const tall = gc.generation >= 2 ? gcBand : gc.generation === 1 ? gcBand * 0.7 : gcBand * 0.45;
    svg.append(
      s('line', { x1: px, x2: px, y1: gcTop, y2: gcTop + tall, class: `gc-mark gc-gen${Math.min(2, gc.generation)}` }, tip(`GC #${gc.number} (gen${gc.generation}, ${gc.reason}) at ${clock(gc.time)}: ${gc.durationMs} ms`)),
    );
  }
  snapshotMarks(svg, input, top, height);
  return svg;
}

export function rateChart(input: ChartInput): SVGSVGElement {
  const top = 8;
  const height = 60;
  const plotWidth = input.width - LEFT - RIGHT;
  const svg = s('svg', { viewBox: `0 0 ${input.width} ${top + height + 20}`, width: input.width, class: 'chart rate', role: 'img', 'aria-label': 'Allocation rate over time' });
  const max = Math.max(1, ...input.samples.map((x) => x.allocatedBytesPerSecond ?? 0));
  const ticks = niceTicks(max, 2, true);
  const yMax = ticks[ticks.length - 1];
  axes(svg, input, top, height, ticks, (v) => `${formatBytes(v)}/s`);
  const x = (t: number) => {
    const px = xOf(t, input.span, plotWidth);
    return px === undefined ? undefined : LEFT + px;
  };
  const d = path(input.samples, (sample) => sample.allocatedBytesPerSecond, x, (v) => top + height - (Math.max(0, v) / yMax) * height);
  if (d) svg.append(s('path', { d, class: 'line series-allocated', 'data-series': 'allocatedBytesPerSecond' }, tip('Allocated per second')));
  snapshotMarks(svg, input, top, height);
  return svg;
}
