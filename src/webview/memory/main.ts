// The Memory view (runs in the webview): draws the monitored process's counters once a second, its GCs and the
// HeapLens snapshots taken of it, from what the extension sends (`reset`, then `append` and `status`). It fetches
// nothing; a click on a snapshot mark asks the extension to select that snapshot; after drawing it reports what it
// drew (`rendered`).
import { formatBytes, formatCount } from '../../common/numbers';
import type { CounterSample, GcEvent } from '../../protocol/agent';
import type { FromMemoryPage, MemoryReport, MemoryStatus, ToMemoryPage } from '../../protocol/memoryView';
import { h } from '../summary/dom';
import { MEMORY_SERIES, memoryChart, rateChart } from './chart';
import { visibleSpan, WINDOW_MS } from './timeAxis';

const vscode = acquireVsCodeApi<undefined>();
const root = document.getElementById('root')!;

let status: MemoryStatus = { state: 'idle', sampling: false, snapshots: [] };
let samples: CounterSample[] = [];
let gcs: GcEvent[] = [];
let pending = false;

function post(message: FromMemoryPage): void {
  vscode.postMessage(message);
}

window.addEventListener('message', (event: MessageEvent<ToMemoryPage>) => {
  const message = event.data;
  switch (message.type) {
    case 'reset':
      status = message.status;
      samples = message.samples;
      gcs = message.gcs;
      break;
    case 'append':
      samples = samples.concat(message.samples);
      gcs = gcs.concat(message.gcs);
      break;
    case 'status':
      status = message.status;
      break;
  }
  schedule();
});

// A narrower or wider view redraws at its new width.
new ResizeObserver(() => schedule()).observe(document.body);

/** Draws once per frame, however many messages came. */
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
    post({ type: 'rendered', report: report() });
  });
}

function statusText(): string {
  const target = status.target ?? 'a .NET process';
  switch (status.state) {
    case 'idle':
      return 'No process monitored. Start a .NET debug session, or run "HeapLens: Monitor Memory of a .NET Process…".';
    case 'starting':
      return `Starting an event session with ${target}…`;
    case 'running':
      return `${target} · live${status.sampling ? ' · sampling allocations' : ''}`;
    case 'ended':
    case 'failed':
      return `${target} · ${status.message ?? 'ended'}`;
  }
}

function legend(): HTMLElement {
  const last = samples[samples.length - 1];
  const items = MEMORY_SERIES.map((m) => h('li', { class: `series-${m.key}` }, h('span', { class: 'swatch' }), `${m.label} ${last?.[m.key] == null ? '–' : formatBytes(last[m.key]!)}`));
  const rate = last?.allocatedBytesPerSecond;
  items.push(h('li', { class: 'series-allocated' }, h('span', { class: 'swatch' }), `Allocated ${rate == null ? '–' : `${formatBytes(rate)}/s`}`));
  const counts = last?.gcCounts;
  if (counts) items.push(h('li', { class: 'gc' }, `GCs in the last second ${[counts.gen0, counts.gen1, counts.gen2].map((c) => (c === null ? '–' : formatCount(c))).join('/')}`));
  return h('ul', { class: 'legend' }, ...items);
}

function render(): void {
  const state = h('p', { class: `status ${status.state}` }, statusText());
  const span = visibleSpan([...samples.map((x) => x.time), ...status.snapshots.filter((m) => samples.length && m.takenAt >= samples[0].time).map((m) => m.takenAt)], WINDOW_MS);
  if (!span) {
    root.replaceChildren(state);
    return;
  }
  const width = Math.max(240, Math.floor(document.body.clientWidth) - 8);
  const visible = samples.filter((x) => x.time >= span.from);
  const input = { width, span, samples: visible, gcs: gcs.filter((g) => g.time >= span.from), snapshots: status.snapshots, onSnapshot: (snapshotId: string) => post({ type: 'selectSnapshot', snapshotId }) };
  root.replaceChildren(
    state,
    legend(),
    memoryChart(input),
    h('p', { class: 'caption' }, 'Ticks under the chart: GCs (taller for gen1 and gen2). Dashed lines: snapshots (click one to show it).'),
    rateChart(input),
  );
}

/** What is on the page now, read back from the DOM. */
function report(): MemoryReport {
  const line = document.querySelector('svg.memory path[data-series="gcHeapBytes"]');
  return {
    points: (line?.getAttribute('d')?.match(/[ML]/g) ?? []).length,
    gcMarks: document.querySelectorAll('svg.memory .gc-mark').length,
    snapshotMarks: [...document.querySelectorAll('svg.memory .snapshot-mark')].map((e) => e.getAttribute('data-snapshot') ?? ''),
    legend: [...document.querySelectorAll('ul.legend li')].map((e) => (e.textContent ?? '').trim()),
    status: document.querySelector('p.status')?.textContent ?? '',
  };
}

post({ type: 'ready' });
