// The summary page's three charts as hand-written SVG: heap by generation (a stacked bar per GC heap), top types by
// bytes (horizontal bars, each a link to the type), and the growth of the top types across the session's snapshots
// (one line per type). Colours come from the theme through classes (media/summary.css); every shape has a tooltip.
import { formatBytes, formatCount } from '../../common/numbers';
import type { GenerationBytes, GrowthSeries, SessionPoint, SummaryType } from '../../protocol/webview';
import { linePoints, niceTicks, stackSegments } from './chartMath';
import { s, tip } from './dom';

export const GENERATIONS: Array<{ key: keyof GenerationBytes; label: string }> = [
  { key: 'gen0', label: 'gen0' },
  { key: 'gen1', label: 'gen1' },
  { key: 'gen2', label: 'gen2' },
  { key: 'loh', label: 'LOH' },
  { key: 'poh', label: 'POH' },
];

const WIDTH = 640;

/**
 * "Heap 0 ▇▇▇▇▇▇▇▇▇ 12.3 MB", one row per GC heap, on one scale so heaps compare. The agent counts free space inside
 * the generation it lies in, so the bar is the generations and the free bytes are said beside it.
 */
export function generationChart(heaps: GenerationBytes[]): SVGSVGElement {
  const labelWidth = 70;
  const valueWidth = 150;
  const barWidth = WIDTH - labelWidth - valueWidth;
  const rowHeight = 26;
  const totals = heaps.map((h) => GENERATIONS.reduce((sum, g) => sum + h[g.key], 0));
  const max = Math.max(1, ...totals);
  const height = heaps.length * rowHeight + 24;
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${height}`, class: 'chart generations', role: 'img', 'aria-label': 'Heap by generation' });
  heaps.forEach((heap, row) => {
    const y = row * rowHeight;
    svg.append(s('text', { x: 0, y: y + 17, class: 'label' }, heaps.length > 1 ? `Heap ${heap.heap}` : 'Heap'));
    const parts = GENERATIONS.map((g) => ({ key: g.key, value: heap[g.key] }));
    for (const segment of stackSegments(parts, max, barWidth)) {
      const label = GENERATIONS.find((g) => g.key === segment.key)!.label;
      svg.append(
        s('rect', { x: labelWidth + segment.x, y: y + 4, width: Math.max(0.5, segment.width), height: rowHeight - 8, class: `segment gen-${segment.key}` }, tip(`${label}: ${formatBytes(segment.value)} (${formatCount(segment.value)} bytes)`)),
      );
    }
    svg.append(s('text', { x: WIDTH - valueWidth + 6, y: y + 17, class: 'value' }, `${formatBytes(totals[row])}${heap.free ? ` · ${formatBytes(heap.free)} free` : ''}`));
  });
  // The scale along the bottom.
  for (const tick of niceTicks(max, 4, true)) {
    const x = labelWidth + (tick / max) * barWidth;
    if (x > labelWidth + barWidth + 1) break;
    svg.append(s('line', { x1: x, x2: x, y1: heaps.length * rowHeight, y2: heaps.length * rowHeight + 4, class: 'axis' }));
    svg.append(s('text', { x, y: heaps.length * rowHeight + 16, class: 'tick', 'text-anchor': 'middle' }, formatBytes(tick)));
  }
  return svg;
}

/** Horizontal bars of the largest types; `onType` follows a bar (click or Enter). */
export function topTypesChart(types: SummaryType[], shortName: (t: string) => string, onType: (type: string) => void): SVGSVGElement {
  const labelWidth = 250;
  const valueWidth = 150;
  const barWidth = WIDTH - labelWidth - valueWidth;
  const rowHeight = 22;
  const max = Math.max(1, ...types.map((t) => t.bytes));
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${types.length * rowHeight + 4}`, class: 'chart top-types', role: 'list', 'aria-label': 'Top types by bytes' });
  types.forEach((type, row) => {
    const y = row * rowHeight;
    const name = shortName(type.name);
    const row_ = s(
      'g',
      { class: 'type-row link', role: 'listitem', tabindex: 0, 'data-type': type.name, 'aria-label': `${type.name}: ${formatCount(type.count)} objects, ${formatBytes(type.bytes)}. Show in Heap Types.` },
      tip(`${type.name}\n${formatCount(type.count)} objects, ${formatBytes(type.bytes)}\nClick to show it in Heap Types`),
      s('text', { x: labelWidth - 8, y: y + 15, class: 'label', 'text-anchor': 'end' }, name.length > 34 ? `${name.slice(0, 33)}…` : name),
      s('rect', { x: labelWidth, y: y + 3, width: Math.max(1, (type.bytes / max) * barWidth), height: rowHeight - 6, class: 'bar' }),
      s('text', { x: WIDTH - valueWidth + 8, y: y + 15, class: 'value' }, `${formatBytes(type.bytes)} · ${formatCount(type.count)}`),
    );
    row_.addEventListener('click', () => onType(type.name));
    row_.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') onType(type.name);
    });
    svg.append(row_);
  });
  return svg;
}

/** Bytes of each series across the session's snapshots, one coloured line per type, with a legend below. */
export function growthChart(session: SessionPoint[], series: GrowthSeries[], shortName: (t: string) => string): SVGSVGElement {
  const left = 70;
  const right = 20;
  const top = 10;
  const plotHeight = 180;
  const plotWidth = WIDTH - left - right;
  const legendTop = top + plotHeight + 40;
  const legendRows = Math.ceil(series.length / 2);
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${legendTop + legendRows * 18 + 4}`, class: 'chart growth', role: 'img', 'aria-label': 'Growth of the top types across the snapshots' });
  const ticks = niceTicks(Math.max(1, ...series.flatMap((x) => x.bytes)), 4, true);
  const yMax = ticks[ticks.length - 1];
  for (const tick of ticks) {
    const y = top + plotHeight - (tick / yMax) * plotHeight;
    svg.append(s('line', { x1: left, x2: left + plotWidth, y1: y, y2: y, class: tick === 0 ? 'axis' : 'grid' }));
    svg.append(s('text', { x: left - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, formatBytes(tick)));
  }
  const xs = linePoints(session.map(() => 0), 1, plotWidth, plotHeight).map((p) => left + p.x);
  session.forEach((point, i) => {
    const label = point.label.length > 18 ? `${point.label.slice(0, 17)}…` : point.label;
    svg.append(s('text', { x: xs[i], y: top + plotHeight + 16, class: 'tick', 'text-anchor': session.length === 1 ? 'middle' : i === 0 ? 'start' : i === session.length - 1 ? 'end' : 'middle' }, label, tip(`${point.label}\n${new Date(point.takenAt).toLocaleString()}`)));
  });
  series.forEach((line, index) => {
    const points = linePoints(line.bytes, yMax, plotWidth, plotHeight).map((p) => ({ x: left + p.x, y: top + p.y }));
    const group = s('g', { class: `series series-${index % 8}`, 'data-type': line.type });
    group.append(s('polyline', { points: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '), class: 'line' }));
    points.forEach((p, i) =>
      group.append(s('circle', { cx: p.x, cy: p.y, r: 3.5, class: 'dot' }, tip(`${line.type}\n${session[i].label}: ${formatCount(line.counts[i])} objects, ${formatBytes(line.bytes[i])}`))),
    );
    svg.append(group);
    const lx = left + (index % 2) * (plotWidth / 2);
    const ly = legendTop + Math.floor(index / 2) * 18;
    svg.append(
      s('g', { class: `legend series-${index % 8}` }, s('rect', { x: lx, y: ly - 9, width: 12, height: 4, class: 'swatch' }), s('text', { x: lx + 18, y: ly - 3, class: 'label' }, shortName(line.type), tip(line.type))),
    );
  });
  return svg;
}
