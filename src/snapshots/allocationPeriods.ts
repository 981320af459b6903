// The periods in which a process's allocations were sampled (live sessions with allocation sampling, kept in the
// agent after they stop) and what they say about a span of time: the types allocated and the sites that allocated
// them, several periods of the same process merged. Heap Types, Retention Paths and the summary page ask here for
// the sites of a snapshot's types (allocated before it was taken, or between two snapshots). No vscode values.
import type { LiveTrace } from '../agent/liveTrace';
import type { AllocatedType, AllocationReport, AllocationSite } from '../protocol/agent';

/** Sampled periods kept (older ones are released in the agent). */
const MAX_PERIODS = 6;
/** Types and sites asked per period: enough for every type a view shows. */
const TOP_TYPES = 1000;
const TOP_SITES = 5;

export interface SampledPeriod {
  /** The process (SnapshotOrigin.key: pid and start time). */
  key: string;
  trace: LiveTrace;
  from: number;
  /** When sampling stopped; undefined while it runs. */
  to?: number;
}

/**
 * What a sampled type's name and a heap type's name share (both in the heap's syntax: the agent rewrites the events'
 * "List`1[System.String]"): the innermost type's name and every type argument, since the runtime's events name a
 * nested type without its enclosing type ("Slot<App.Order>" for the heap's "App.Pool<App.Order>+Slot"). The agent's
 * RuntimeTypeNames.Key makes the same key.
 */
export function allocationTypeKey(name: string): string {
  const text = name.replace(/\s+/g, '');
  let i = 0;
  const type = (): string => {
    let last = '';
    const args: string[] = [];
    for (;;) {
      const start = i;
      while (i < text.length && !'+<>,['.includes(text[i])) i++;
      last = text.slice(start, i);
      if (text[i] === '<') {
        i++;
        for (;;) {
          args.push(type());
          if (text[i] !== ',') break;
          i++;
        }
        if (text[i] === '>') i++;
      }
      if (text[i] !== '+') break;
      i++;
    }
    const ranks = /^(\[[,*]*\]|\*|&)*/.exec(text.slice(i))![0];
    i += ranks.length;
    return `${last}${args.length ? `<${args.join(',')}>` : ''}${ranks}`;
  };
  const key = type();
  return i === text.length ? key : text;
}

export class AllocationPeriods {
  private periods: SampledPeriod[] = [];
  private readonly cache = new Map<string, Promise<AllocationReport | undefined>>();

  add(period: SampledPeriod): void {
    this.periods.push(period);
    for (const old of this.periods.splice(0, Math.max(0, this.periods.length - MAX_PERIODS))) void old.trace.release();
    this.cache.clear();
  }

  /** Sampling of `trace` stopped at `at` (its samples stay readable). */
  close(trace: LiveTrace, at: number): void {
    const period = this.periods.find((p) => p.trace === trace);
    if (period && period.to === undefined) period.to = at;
  }

  /** True when some period of process `key` overlaps [from, to]. */
  covers(key: string | undefined, to: number, from = 0): boolean {
    return this.overlapping(key, from, to).length > 0;
  }

  private overlapping(key: string | undefined, from: number, to: number): SampledPeriod[] {
    return key ? this.periods.filter((p) => p.key === key && p.from <= to && (p.to ?? Infinity) >= from) : [];
  }

  /**
   * The allocations of process `key` sampled in [from, to] (all periods that overlap it, merged), or undefined when
   * none was sampled. A span that ended a while ago cannot change: its answer is kept.
   */
  report(key: string | undefined, to: number, from = 0): Promise<AllocationReport | undefined> {
    const periods = this.overlapping(key, from, to);
    if (periods.length === 0) return Promise.resolve(undefined);
    const id = `${key}|${from}|${to}`;
    let answer = this.cache.get(id);
    if (!answer) {
      // A period the agent no longer has (it restarted) says nothing.
      const asked = periods.map((p) => p.trace.allocations({ from: Math.max(from, p.from), to, topTypes: TOP_TYPES, topSites: TOP_SITES }).catch(() => undefined));
      answer = Promise.all(asked).then((reports) => mergeReports(reports.filter((r): r is AllocationReport => r !== undefined)));
      // Samples reach the agent within a second or two: only an older span is final.
      if (to < Date.now() - 5000) {
        this.cache.set(id, answer);
        answer.catch(() => this.cache.get(id) === answer && this.cache.delete(id));
      }
    }
    return answer;
  }

  /** The sampled allocations of one heap type before `to` (or in [from, to]), or undefined when it was not sampled. */
  async typeReport(key: string | undefined, type: string, to: number, from = 0): Promise<{ type: AllocatedType; report: AllocationReport } | undefined> {
    const report = await this.report(key, to, from);
    const wanted = allocationTypeKey(type);
    const found = report?.types.find((t) => allocationTypeKey(t.name) === wanted);
    return found && report ? { type: found, report } : undefined;
  }

  dispose(): void {
    for (const p of this.periods.splice(0)) void p.trace.release();
    this.cache.clear();
  }
}

/** Several periods' reports as one: types by name, sites by place, shares of the merged samples. */
export function mergeReports(reports: AllocationReport[]): AllocationReport | undefined {
  if (reports.length <= 1) return reports[0];
  const types = new Map<string, { name: string; samples: number; estimatedBytes: number; sites: Map<string, AllocationSite> }>();
  for (const report of reports) {
    for (const t of report.types) {
      const merged = types.get(t.name) ?? { name: t.name, samples: 0, estimatedBytes: 0, sites: new Map<string, AllocationSite>() };
      merged.samples += t.samples;
      merged.estimatedBytes += t.estimatedBytes;
      for (const site of t.sites) {
        const key = `${site.method}|${site.file}|${site.line}`;
        const known = merged.sites.get(key);
        merged.sites.set(key, known ? { ...known, samples: known.samples + site.samples } : { ...site });
      }
      types.set(t.name, merged);
    }
  }
  const first = reports[0];
  return {
    seconds: reports.reduce((sum, r) => sum + r.seconds, 0),
    sampling: first.sampling,
    samplingText: first.samplingText,
    samples: reports.reduce((sum, r) => sum + r.samples, 0),
    droppedBefore: reports.find((r) => r.droppedBefore)?.droppedBefore,
    types: [...types.values()]
      .map((t) => ({
        name: t.name,
        samples: t.samples,
        estimatedBytes: t.estimatedBytes,
        sites: [...t.sites.values()].map((s) => ({ ...s, share: Math.round((s.samples / t.samples) * 10_000) / 10_000 })).sort((a, b) => b.samples - a.samples || a.method.localeCompare(b.method)),
      }))
      .sort((a, b) => b.estimatedBytes - a.estimatedBytes || a.name.localeCompare(b.name)),
  };
}
