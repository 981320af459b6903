// The snapshot summary page (runs in the webview): draws what the extension sends in one `state` message (heap by
// generation, top types, biggest retainers, growth across the session, insights) and turns clicks on types, retention
// paths and source
// locations into `follow` messages. It fetches nothing; after drawing it reports what it drew (`rendered`).
import { countOf, formatBytes, formatCount } from '../../common/numbers';
import type { FromSummaryPage, RenderedReport, SummaryAllocationSite, SummaryInsight, SummaryLink, SummaryPageState, SummaryRetainer, SummaryState, ToSummaryPage } from '../../protocol/webview';
import { figureText } from '../../common/numbers';
import { shareText } from '../../snapshots/dominatorWords';
import { shortTypeName } from '../../snapshots/typeNames';
import { GENERATIONS, generationChart, growthChart, topTypesChart } from './charts';
import { h } from './dom';

const vscode = acquireVsCodeApi<SummaryPageState>();
const root = document.getElementById('root')!;

function post(message: FromSummaryPage): void {
  vscode.postMessage(message);
}

function follow(link: SummaryLink): void {
  post({ type: 'follow', link });
}

window.addEventListener('message', (event: MessageEvent<ToSummaryPage>) => {
  const message = event.data;
  switch (message.type) {
    case 'loading':
      root.replaceChildren(h('p', { class: 'status' }, `Reading ${message.label}…`));
      break;
    case 'failed':
      root.replaceChildren(h('p', { class: 'status error' }, message.message));
      break;
    case 'state':
      vscode.setState({ snapshotId: message.state.snapshot.id });
      root.replaceChildren(...render(message.state));
      post({ type: 'rendered', report: report() });
      break;
  }
});

function render(state: SummaryState): HTMLElement[] {
  // Two columns on a wide page (the charts of this snapshot | its growth and insights), one after the other on a narrow one.
  return [header(state), h('div', { class: 'column' }, generations(state), topTypes(state), retainers(state)), h('div', { class: 'column' }, growth(state), allocations(state), insights(state)), ...problems(state)];
}

function header(state: SummaryState): HTMLElement {
  const { snapshot } = state;
  const facts = [
    new Date(snapshot.takenAt).toLocaleString(),
    `${formatCount(snapshot.objects)} live objects`,
    formatBytes(snapshot.bytes),
    snapshot.unreachable?.count ? `${formatCount(snapshot.unreachable.count)} unreachable (${formatBytes(snapshot.unreachable.bytes)}, freed at the next GC)` : undefined,
    snapshot.runtimeVersion ? `.NET ${snapshot.runtimeVersion}` : undefined,
    state.gcMode === 'server' ? `server GC, ${state.heaps.length} heaps` : 'workstation GC',
  ].filter(Boolean);
  return h(
    'header',
    {},
    h('h1', {}, snapshot.label),
    h('p', { class: 'facts' }, facts.join(' · ')),
    state.comparedWith ? h('p', { class: 'facts' }, `Compared with ${state.comparedWith.label} (${state.comparedWith.reason === 'baseline' ? 'the baseline' : 'the previous snapshot'})`) : null,
  );
}

function section(title: string, id: string, ...content: Array<HTMLElement | SVGElement | null>): HTMLElement {
  return h('section', { id }, h('h2', {}, title), ...content);
}

function generations(state: SummaryState): HTMLElement {
  const legend = h('ul', { class: 'legend' }, ...GENERATIONS.map((g) => h('li', { 'data-generation': g.label }, h('span', { class: `swatch gen-${g.key}` }), g.label)));
  const note =
    state.gcMode === 'server'
      ? h('p', { class: 'note' }, `Server GC keeps one heap per core (${state.heaps.length} here): a large process under server GC is not by itself a leak.`)
      : null;
  return section('Heap by generation', 'generations', generationChart(state.heaps), legend, note);
}

function topTypes(state: SummaryState): HTMLElement {
  if (!state.topTypes.length) return section('Top types by bytes', 'top-types', h('p', { class: 'note' }, 'No objects on the heap.'));
  return section(
    'Top types by bytes',
    'top-types',
    topTypesChart(state.topTypes, shortTypeName, (type) => follow({ kind: 'type', type })),
    h('p', { class: 'note' }, 'Click a type to show it in Heap Types.'),
  );
}

function retainers(state: SummaryState): HTMLElement | null {
  const list = state.retainers;
  if (!list) return null;
  if (!list.length) return section('Biggest retainers', 'retainers', h('p', { class: 'note' }, 'No object keeps others alive on its own.'));
  return section(
    'Biggest retainers',
    'retainers',
    h('ol', { class: 'retainers' }, ...list.map((r) => retainer(r, state.liveBytes ?? 0))),
    h('p', { class: 'note' }, 'Objects that alone keep the most memory alive: the bytes the next garbage collection would free if each went.'),
  );
}

function retainer(r: SummaryRetainer, liveBytes: number): HTMLElement {
  const share = liveBytes > 0 ? ` · ${shareText(r.retainedBytes, liveBytes)} of live bytes` : '';
  const path = h('button', { type: 'button', class: 'link retention', title: `Retention path of ${r.type} at ${r.address}` }, shortTypeName(r.type));
  path.addEventListener('click', () => follow({ kind: 'retention', address: r.address, type: r.type }));
  const type = h('button', { type: 'button', class: 'link type', title: `Show ${r.type} in Heap Types` }, 'Heap Types');
  type.addEventListener('click', () => follow({ kind: 'type', type: r.type }));
  return h(
    'li',
    { class: 'retainer', 'data-type': r.type },
    path,
    h('span', { class: 'figures' }, ` ${formatBytes(r.retainedBytes)} retained${share} · ${formatCount(r.retainedObjects)} objects`),
    r.root ? h('span', { class: 'root' }, ` · held by ${r.root}`) : null,
    ' · ',
    type,
  );
}

function growth(state: SummaryState): HTMLElement {
  if (state.session.length < 2) {
    return section('Growth across the session', 'growth', h('p', { class: 'note' }, 'One snapshot so far: capture the heap again later to see which types grow.'));
  }
  return section(
    `Growth across the session (${state.session.length} snapshots)`,
    'growth',
    growthChart(state.session, state.growth, shortTypeName),
    h('p', { class: 'note' }, 'Bytes of the types that grew most, in each snapshot of this process.'),
  );
}

function allocations(state: SummaryState): HTMLElement | null {
  const sampled = state.allocations;
  if (!sampled) return null;
  const title = sampled.since ? `Allocated since ${sampled.since}` : 'Allocated before this snapshot';
  if (!sampled.sites.length) return section(title, 'allocations', h('p', { class: 'note' }, 'No allocation was sampled in that period.'));
  return section(
    title,
    'allocations',
    h('ol', { class: 'allocation-sites' }, ...sampled.sites.map(allocationSite)),
    h('p', { class: 'note' }, `${countOf(sampled.samples, 'sample')} in ${sampled.seconds} s. Bytes are estimates: ${sampled.samplingText}.`),
  );
}

function allocationSite(site: SummaryAllocationSite): HTMLElement {
  const where = site.file && site.line ? linkButton({ kind: 'source', file: site.file, line: site.line }) : h('span', { class: 'note' }, 'no source line');
  return h(
    'li',
    { class: 'allocation-site', 'data-site': `${site.type} ${site.file ? `${site.file.split(/[\\/]/).pop()}:${site.line}` : ''}`.trim() },
    h('strong', { title: site.type }, shortTypeName(site.type)),
    h('span', { class: 'figures' }, ` ~${formatBytes(site.estimatedBytes)} · ${Math.round(site.share * 100)}% of its samples in ${site.method.split('(')[0]} · `),
    where,
  );
}

function insights(state: SummaryState): HTMLElement {
  if (!state.insights) return section('Insights', 'insights', h('p', { class: 'note' }, state.insightsNote ?? 'No insights.'));
  if (!state.insights.length) return section('Insights', 'insights', h('p', { class: 'note' }, 'Nothing stands out in this snapshot.'));
  return section('Insights', 'insights', h('ul', { class: 'insights' }, ...state.insights.map(insight)));
}

function insight(item: SummaryInsight): HTMLElement {
  const figures = Object.entries(item.figures);
  return h(
    'li',
    { class: `insight ${item.severity}`, 'data-kind': item.kind },
    h('p', { class: 'title' }, h('span', { class: `badge ${item.severity}` }, item.severity === 'warning' ? '⚠ warning' : 'ℹ info'), ' ', h('strong', {}, item.title)),
    h('p', { class: 'detail' }, item.detail),
    figures.length ? h('dl', { class: 'figures' }, ...figures.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, figureText(name, value))])) : null,
    item.links.length ? h('p', { class: 'links' }, ...item.links.map(linkButton)) : null,
  );
}

function linkButton(link: SummaryLink): HTMLElement {
  const text =
    link.kind === 'type'
      ? `Show ${shortTypeName(link.type)} in Heap Types`
      : link.kind === 'retention'
        ? `Retention path of ${link.address ?? shortTypeName(link.type ?? '')}`
        : `${link.file.split(/[\\/]/).pop()}:${link.line}${link.note ? ` (${link.note})` : ''}`;
  const button = h('button', { type: 'button', class: `link ${link.kind}`, title: link.kind === 'source' ? `${link.file}:${link.line}` : text }, text);
  button.addEventListener('click', () => follow(link));
  return button;
}

function problems(state: SummaryState): HTMLElement[] {
  return state.problems.length ? [h('section', { id: 'problems' }, h('h2', {}, 'Not shown'), h('ul', {}, ...state.problems.map((p) => h('li', {}, p))))] : [];
}

/** What is on the page now, read back from the DOM. */
function report(): RenderedReport {
  const texts = (selector: string, attribute?: string) =>
    [...document.querySelectorAll(selector)].map((e) => (attribute ? e.getAttribute(attribute) ?? '' : (e.textContent ?? '').trim()));
  return {
    generations: texts('#generations .legend li', 'data-generation'),
    heapBars: document.querySelectorAll('#generations svg text.label').length,
    topTypes: texts('#top-types .type-row', 'data-type'),
    retainers: texts('#retainers .retainer', 'data-type'),
    growthSeries: texts('#growth .series', 'data-type'),
    insights: texts('#insights .insight .title strong'),
    allocationSites: texts('#allocations .allocation-site', 'data-site'),
  };
}

post({ type: 'ready' });
