// What the summary page of one snapshot shows, gathered from the agent: its info and heap layout, its top types, the
// statistics of every snapshot of the same process or debug session (for the growth chart), the objects that retain
// most (the dominator tree's top), and its insights. A part that fails becomes a line under "Not shown" instead of
// failing the page.
import { errorMessage, HeapLensServices } from '../services';
import type { AllocationReport } from '../../protocol/agent';
import type { GrowthSeries, SummaryAllocations, SummaryInsight, SummaryLink, SummaryRetainer, SummaryState, SummaryType } from '../../protocol/webview';
import type { Dominators, HeapStats } from '../../protocol/agent';
import { describeRoot } from '../../snapshots/retentionWords';
import type { SnapshotRecord } from '../../snapshots/snapshotStore';
import type { Insight } from '../../protocol/agent';
import type { InsightSource } from '../insights/insightSource';
import { locationNote } from '../../snapshots/insightLocations';

/** Rows in the top types chart. */
export const TOP_TYPES = 12;
/** Lines in the growth chart. */
export const GROWTH_SERIES = 6;
/** Rows in the biggest retainers list. */
export const TOP_RETAINERS = 8;
/** Rows in the top allocation sites list. */
export const TOP_ALLOCATION_SITES = 8;

export async function buildSummaryState(services: HeapLensServices, insights: InsightSource, record: SnapshotRecord): Promise<SummaryState> {
  const problems: string[] = [];
  const { analysis, store } = services;
  const info = await analysis.open(record);
  const [layout, stats, dominators] = await Promise.all([
    analysis.layout(record).catch((err) => {
      problems.push(`Heap by generation: ${errorMessage(err)}`);
      return undefined;
    }),
    analysis.stats(record),
    analysis.dominators(record, { top: TOP_RETAINERS }).catch((err) => {
      problems.push(`Biggest retainers: ${errorMessage(err)}`);
      return undefined;
    }),
  ]);

  const session = sessionOf(services, record);
  // One snapshot at a time, not all at once: each may have to be opened (its index built) in the agent, and the
  // agent's memory budget can then close the previous one. Statistics already read are cached and cost nothing.
  const sessionStats: Array<HeapStats | undefined> = [];
  for (const r of session) {
    sessionStats.push(
      r.id === record.id
        ? stats
        : await analysis.stats(r).catch((err) => {
            problems.push(`${r.label} in the growth chart: ${errorMessage(err)}`);
            return undefined;
          }),
    );
  }

  const answer = await insights.forRecord(record);
  const comparison = store.comparisonFor(record);
  // Allocations sampled between the compared snapshot (when of the same process) and this one, else before this one.
  const since = comparison && comparison.base.origin.key === record.origin.key && comparison.base.takenAt < record.takenAt ? comparison.base : undefined;
  const sampled = await services.allocations.report(record.origin.key, record.takenAt, since?.takenAt).catch((err) => {
    problems.push(`Allocation sites: ${errorMessage(err)}`);
    return undefined;
  });
  return {
    snapshot: { id: record.id, label: record.label, takenAt: record.takenAt, runtimeVersion: info.runtimeVersion, objects: info.objects, bytes: info.bytes, unreachable: info.unreachable },
    comparedWith: comparison ? { id: comparison.base.id, label: comparison.base.label, reason: comparison.reason } : undefined,
    gcMode: layout?.gcMode ?? info.gcMode,
    heaps: (layout?.heaps ?? []).map((h) => ({ heap: h.index, gen0: h.gen0, gen1: h.gen1, gen2: h.gen2, loh: h.loh, poh: h.poh, free: h.free })),
    topTypes: topTypes(stats),
    retainers: dominators && retainers(dominators),
    liveBytes: dominators?.liveBytes,
    session: session.map((r) => ({ snapshotId: r.id, label: r.label, takenAt: r.takenAt })),
    growth: growthSeries(sessionStats),
    insights: answer.status === 'ok' ? answer.insights.map(summaryInsight) : undefined,
    insightsNote: answer.status === 'ok' ? undefined : answer.message,
    allocations: sampled && summaryAllocations(sampled, since?.label),
    problems,
  };
}

/** The sites that allocated most bytes in the period, across types (a site's bytes: its type's estimate × its share). */
export function summaryAllocations(report: AllocationReport, since: string | undefined): SummaryAllocations {
  const sites = report.types
    .flatMap((t) => t.sites.map((s) => ({ type: t.name, method: s.method, file: s.file, line: s.line, share: s.share, estimatedBytes: Math.round(t.estimatedBytes * s.share) })))
    .sort((a, b) => b.estimatedBytes - a.estimatedBytes || a.type.localeCompare(b.type))
    .slice(0, TOP_ALLOCATION_SITES);
  return { since, seconds: report.seconds, samples: report.samples, samplingText: report.samplingText, sites };
}

/** The snapshots of the same process or debug session, oldest first; a dump opened from disk is a session of one. */
export function sessionOf(services: HeapLensServices, record: SnapshotRecord): SnapshotRecord[] {
  const key = record.origin.key;
  return key ? services.store.all().filter((r) => r.origin.key === key) : [record];
}

function topTypes(stats: HeapStats): SummaryType[] {
  return [...stats.types].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)).slice(0, TOP_TYPES).map((t) => ({ name: t.name, count: t.count, bytes: t.bytes }));
}

export function retainers(dominators: Dominators): SummaryRetainer[] {
  return dominators.items.slice(0, TOP_RETAINERS).map((d) => ({
    address: d.address,
    type: d.type,
    retainedBytes: d.retainedBytes,
    retainedObjects: d.retainedObjects,
    root: d.root ? describeRoot(d.root) : undefined,
  }));
}

/**
 * One line per type that grew most in bytes from the first snapshot of the session to the last (with only one
 * snapshot: the largest types). Snapshots that could not be read count as zeros, which the chart's tooltips show.
 */
export function growthSeries(sessionStats: Array<HeapStats | undefined>): GrowthSeries[] {
  const byType = sessionStats.map((s) => new Map((s?.types ?? []).map((t) => [t.name, t])));
  const first = byType[0];
  const last = byType[byType.length - 1];
  if (!last) return [];
  const names = [...new Set(byType.flatMap((m) => [...m.keys()]))];
  const growth = (name: string) => (last.get(name)?.bytes ?? 0) - (first.get(name)?.bytes ?? 0);
  const grew = names.filter((n) => growth(n) > 0).sort((a, b) => growth(b) - growth(a) || a.localeCompare(b));
  const chosen = (grew.length ? grew : names.sort((a, b) => (last.get(b)?.bytes ?? 0) - (last.get(a)?.bytes ?? 0))).slice(0, GROWTH_SERIES);
  return chosen.map((type) => ({ type, bytes: byType.map((m) => m.get(type)?.bytes ?? 0), counts: byType.map((m) => m.get(type)?.count ?? 0) }));
}

/** An insight as the page shows it, with its links: types, objects to explain, and source lines. */
export function summaryInsight(insight: Insight): SummaryInsight {
  return { kind: insight.kind, severity: insight.severity, title: insight.title, detail: insight.detail, figures: insight.figures, links: insightLinks(insight) };
}

export function insightLinks(insight: Insight): SummaryLink[] {
  return [
    ...(insight.types ?? []).map((type): SummaryLink => ({ kind: 'type', type })),
    ...(insight.addresses ?? []).slice(0, 3).map((address): SummaryLink => ({ kind: 'retention', address })),
    ...insight.locations.map((l): SummaryLink => {
      const note = locationNote(l);
      return { kind: 'source', file: l.file, line: l.line, ...(note ? { note } : {}) };
    }),
  ];
}
