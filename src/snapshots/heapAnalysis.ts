// The window's analysis, shared by every view: snapshots (records of the snapshot store) are read through the
// window's AgentHost (src/agent/agentHost.ts), which owns the agent process, opens dumps on demand within the memory
// budget, and restarts the agent after a crash or a hang. This layer keeps what does not change (statistics, diffs,
// layouts, insights) so a view that asks again costs nothing, even after the snapshot was closed to save memory.
// No vscode values.
import { AgentClient, CallOptions } from '../agent/agentClient';
import { AgentHost } from '../agent/agentHost';
import { collectGarbage, CollectOptions } from '../agent/collectGarbage';
import { LiveTrace, LiveTraceOptions } from '../agent/liveTrace';
import { Cancellation } from '../common/async';
import * as wire from '../protocol/agent';
import { SnapshotRecord } from './snapshotStore';

export class HeapAnalysis {
  /** Records this analysis holds a lease on in the host (released by forget). */
  private readonly held = new Map<string, string>();
  private readonly statsCache = new Map<string, Promise<wire.HeapStats>>();
  private readonly diffCache = new Map<string, Promise<wire.HeapDiff>>();
  private readonly layoutCache = new Map<string, Promise<wire.HeapLayout>>();
  private readonly insightsCache = new Map<string, Promise<wire.Insights>>();
  private readonly dominatorsCache = new Map<string, Promise<wire.Dominators>>();

  constructor(readonly host: AgentHost) {}

  /**
   * Listens to the agent's progress reports (opening a dump, building the dominator tree), whichever request they
   * belong to: the views show them while they wait. Returns the way to stop listening.
   */
  onProgress(listener: (progress: wire.ProgressParams) => void): { dispose(): void } {
    return this.host.onProgress(listener);
  }

  /** Collect before capture: a full blocking GC in running process `pid`, through this window's agent. */
  collect(pid: number, options?: CollectOptions): Promise<wire.CollectResult> {
    return collectGarbage(this.host.client(), pid, options);
  }

  /** A live event session with running process `pid` (the Memory view's counters, allocation samples), through this window's agent. */
  liveTrace(pid: number, options?: LiveTraceOptions): Promise<LiveTrace> {
    return LiveTrace.start(this.host.client(), pid, options);
  }

  /** The agent's process id (for tests and the log). */
  get agentPid(): number | undefined {
    return this.host.agentPid;
  }

  /** Opens the snapshot's dump in the agent (once per agent) and returns what the agent says about it. */
  open(record: SnapshotRecord, cancellation?: Cancellation): Promise<wire.SnapshotInfo> {
    return this.host.open(this.hold(record), cancellation);
  }

  stats(record: SnapshotRecord, options?: CallOptions): Promise<wire.HeapStats> {
    return this.cached(this.statsCache, record.id, () => this.withSnapshot(record, options, (c, id) => c.stats({ snapshotId: id }, options)));
  }

  /** One page of heap types, sorted and filtered by the agent (not cached: each page is small). */
  statsPage(
    record: SnapshotRecord,
    page: { offset: number; top: number; filter?: string; sort?: 'bytes' | 'count' | 'retained'; all?: boolean },
    options?: CallOptions,
  ): Promise<wire.HeapStats> {
    return this.withSnapshot(record, options, (c, id) => c.stats({ snapshotId: id, ...page }, options));
  }

  /** One page of a diff, sorted and filtered by the agent. */
  diffPage(
    before: SnapshotRecord,
    after: SnapshotRecord,
    page: { offset: number; top: number; filter?: string; sort?: 'growth' | 'bytes' | 'count' | 'retained'; all?: boolean },
    options?: CallOptions,
  ): Promise<wire.HeapDiff> {
    return this.withSnapshots([before, after], options, (c, [beforeId, afterId]) => c.diff({ before: beforeId, after: afterId, ...page }, options));
  }

  diff(before: SnapshotRecord, after: SnapshotRecord, options?: CallOptions): Promise<wire.HeapDiff> {
    return this.cached(this.diffCache, `${before.id}→${after.id}`, () =>
      this.withSnapshots([before, after], options, (c, [beforeId, afterId]) => c.diff({ before: beforeId, after: afterId }, options)),
    );
  }

  /** Bytes per generation of each GC heap (the summary page's chart); cached like the statistics. */
  layout(record: SnapshotRecord, options?: CallOptions): Promise<wire.HeapLayout> {
    return this.cached(this.layoutCache, record.id, () => this.withSnapshot(record, options, (c, id) => c.layout(id, options)));
  }

  /** The snapshot's insights, with growth measured against `baseline` when given; cached per pair. */
  insights(record: SnapshotRecord, baseline: SnapshotRecord | undefined, options?: CallOptions): Promise<wire.Insights> {
    return this.cached(this.insightsCache, `${record.id}→${baseline?.id ?? ''}`, () =>
      this.withSnapshots(baseline ? [record, baseline] : [record], options, (c, [id, baselineId]) => c.insights({ snapshotId: id, baselineId }, options)),
    );
  }

  /** A page of a type's instances: live ones, or with `all` the unreachable ones too (marked). */
  instances(record: SnapshotRecord, type: string, offset: number, limit: number, options?: CallOptions & { all?: boolean }): Promise<wire.Instances> {
    const all = options?.all ? { all: true } : {};
    return this.withSnapshot(record, options, (c, id) => c.instances({ snapshotId: id, type, offset, limit, ...all }, options));
  }

  object(record: SnapshotRecord, address: string, options?: CallOptions): Promise<wire.HeapObject> {
    return this.withSnapshot(record, options, (c, id) => c.object({ snapshotId: id, address }, options));
  }

  roots(record: SnapshotRecord, target: { type: string; max?: number } | { address: string }, options?: CallOptions): Promise<wire.RetentionPaths> {
    return this.withSnapshot(record, options, (c, id) => c.roots({ snapshotId: id, ...target }, options));
  }

  /** The shortest paths of every live instance of `type`, grouped by shape, largest retained bytes first. */
  retentionGroups(record: SnapshotRecord, type: string, max?: number, options?: CallOptions): Promise<wire.RetentionGroups> {
    return this.withSnapshot(record, options, (c, id) => c.retentionGroups({ snapshotId: id, type, max }, options));
  }

  /**
   * The objects that retain most (without `address`), or the dominator-tree children of one object; a page of `top`
   * from `offset`. Cached per query: the tree of a snapshot never changes.
   */
  dominators(record: SnapshotRecord, query: { address?: string; top?: number; offset?: number }, options?: CallOptions): Promise<wire.Dominators> {
    const key = `${record.id}|${query.address ?? ''}|${query.offset ?? 0}|${query.top ?? ''}`;
    return this.cached(this.dominatorsCache, key, () => this.withSnapshot(record, options, (c, id) => c.dominators({ snapshotId: id, ...query }, options)));
  }

  /** Lets go of the snapshot (closed in the agent unless a debug session still holds its dump) and drops its caches. */
  async forget(record: SnapshotRecord): Promise<void> {
    this.statsCache.delete(record.id);
    this.layoutCache.delete(record.id);
    for (const key of [...this.dominatorsCache.keys()]) if (key.startsWith(`${record.id}|`)) this.dominatorsCache.delete(key);
    for (const cache of [this.diffCache, this.insightsCache]) for (const key of [...cache.keys()]) if (key.split('→').includes(record.id)) cache.delete(key);
    const dumpPath = this.held.get(record.id);
    this.held.delete(record.id);
    if (dumpPath) await this.host.release(dumpPath);
  }

  /** Takes the host lease for a record once; returns its dump path. */
  private hold(record: SnapshotRecord): string {
    if (!this.held.has(record.id)) {
      this.held.set(record.id, record.dumpPath);
      this.host.acquire(record.dumpPath);
    }
    return record.dumpPath;
  }

  /** Runs `call` on the snapshot; the host reopens the dump if it was closed, and retries once after a crash. */
  private withSnapshot<T>(record: SnapshotRecord, options: CallOptions | undefined, call: (client: AgentClient, snapshotId: string) => Promise<T>): Promise<T> {
    return this.withSnapshots([record], options, (c, [id]) => call(c, id));
  }

  private withSnapshots<T>(records: SnapshotRecord[], options: CallOptions | undefined, call: (client: AgentClient, snapshotIds: string[]) => Promise<T>): Promise<T> {
    return this.host.use(records.map((r) => this.hold(r)), call, options);
  }

  private cached<T>(cache: Map<string, Promise<T>>, key: string, compute: () => Promise<T>): Promise<T> {
    let value = cache.get(key);
    if (!value) {
      value = compute();
      cache.set(key, value);
      value.catch(() => {
        if (cache.get(key) === value) cache.delete(key);
      });
    }
    return value;
  }
}
