// The window's one analysis agent, shared by every view: opens a snapshot's dump in the agent the first time it
// is needed (snapshots restored after a reload open lazily), caches what does not change (statistics, diffs), and
// restarts the agent when it has died, reopening dumps on demand and telling the user through `onRestart`.
// No vscode values: the extension passes a logger and a restart callback.
import { AgentClient, AgentError, CallOptions } from '../agent/agentClient';
import { collectGarbage, CollectOptions } from '../agent/collectGarbage';
import { LiveTrace, LiveTraceOptions } from '../agent/liveTrace';
import { Cancellation, CancelledError } from '../common/async';
import { Logger } from '../common/logger';
import * as wire from '../protocol/agent';
import { SnapshotRecord } from './snapshotStore';

export interface HeapAnalysisOptions {
  /** Starts an agent process (AgentClient.start with the extension's logger and paths), passing its progress on. */
  startAgent: (onProgress: (progress: wire.ProgressParams) => void) => AgentClient;
  logger: Logger;
  /** Told when a dead agent was replaced by a new one, with a sentence for the user. */
  onRestart?: (message: string) => void;
}

export class HeapAnalysis {
  private agent: AgentClient | undefined;
  private generation = 0;
  /** record id → its snapshot in the current agent. */
  private opened = new Map<string, Promise<wire.SnapshotInfo>>();
  private readonly statsCache = new Map<string, Promise<wire.HeapStats>>();
  private readonly diffCache = new Map<string, Promise<wire.HeapDiff>>();
  private readonly layoutCache = new Map<string, Promise<wire.HeapLayout>>();
  private readonly insightsCache = new Map<string, Promise<wire.Insights>>();
  private readonly dominatorsCache = new Map<string, Promise<wire.Dominators>>();
  private readonly progressListeners = new Set<(progress: wire.ProgressParams) => void>();
  private disposed = false;

  constructor(private readonly options: HeapAnalysisOptions) {}

  /**
   * Listens to the agent's progress reports (opening a dump, building the dominator tree), whichever request they
   * belong to: the views show them while they wait. Returns the way to stop listening.
   */
  onProgress(listener: (progress: wire.ProgressParams) => void): { dispose(): void } {
    this.progressListeners.add(listener);
    return { dispose: () => this.progressListeners.delete(listener) };
  }

  /** The live agent, started (or restarted after a crash) as needed. */
  private client(): AgentClient {
    if (this.disposed) throw new AgentError('HeapLens is shutting down.');
    if (this.agent && !this.agent.isAlive) {
      const message = `The HeapLens analysis agent stopped unexpectedly and was restarted; open snapshots are being reloaded from their dumps.`;
      this.options.logger.warn(message);
      this.agent = undefined;
      this.opened.clear();
      this.generation++;
      this.options.onRestart?.(message);
    }
    if (!this.agent) {
      this.agent = this.options.startAgent((progress) => this.progressListeners.forEach((l) => l(progress)));
      this.options.logger.info(`started the analysis agent (pid ${this.agent.pid ?? '?'})`);
    }
    return this.agent;
  }

  /** Collect before capture: a full blocking GC in running process `pid`, through this window's agent. */
  collect(pid: number, options?: CollectOptions): Promise<wire.CollectResult> {
    return collectGarbage(this.client(), pid, options);
  }

  /** A live event session with running process `pid` (the Memory view's counters, allocation samples), through this window's agent. */
  liveTrace(pid: number, options?: LiveTraceOptions): Promise<LiveTrace> {
    return LiveTrace.start(this.client(), pid, options);
  }

  /** The agent's process id (for tests and the log). */
  get agentPid(): number | undefined {
    return this.agent?.isAlive ? this.agent.pid : undefined;
  }

  /** Opens the snapshot's dump in the agent (once per agent) and returns what the agent says about it. */
  open(record: SnapshotRecord, cancellation?: Cancellation): Promise<wire.SnapshotInfo> {
    let info = this.opened.get(record.id);
    if (!info) {
      const client = this.client();
      info = client.open({ path: record.dumpPath }, { cancellation });
      this.opened.set(record.id, info);
      // A failed or cancelled open must not stay cached.
      info.catch(() => {
        if (this.opened.get(record.id) === info) this.opened.delete(record.id);
      });
    }
    return info;
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
    return this.retrying(async () => {
      const beforeId = (await this.open(before, options?.cancellation)).snapshotId;
      return this.withSnapshot(after, options, (c, afterId) => c.diff({ before: beforeId, after: afterId, ...page }, options));
    });
  }

  diff(before: SnapshotRecord, after: SnapshotRecord, options?: CallOptions): Promise<wire.HeapDiff> {
    return this.cached(this.diffCache, `${before.id}→${after.id}`, async () => {
      const beforeId = (await this.retrying(() => this.open(before, options?.cancellation))).snapshotId;
      return this.withSnapshot(after, options, (c, afterId) => c.diff({ before: beforeId, after: afterId }, options));
    });
  }

  /** Bytes per generation of each GC heap (the summary page's chart); cached like the statistics. */
  layout(record: SnapshotRecord, options?: CallOptions): Promise<wire.HeapLayout> {
    return this.cached(this.layoutCache, record.id, () => this.withSnapshot(record, options, (c, id) => c.layout(id, options)));
  }

  /** The snapshot's insights, with growth measured against `baseline` when given; cached per pair. */
  insights(record: SnapshotRecord, baseline: SnapshotRecord | undefined, options?: CallOptions): Promise<wire.Insights> {
    return this.cached(this.insightsCache, `${record.id}→${baseline?.id ?? ''}`, async () => {
      const baselineId = baseline ? (await this.retrying(() => this.open(baseline, options?.cancellation))).snapshotId : undefined;
      return this.withSnapshot(record, options, (c, id) => c.insights({ snapshotId: id, baselineId }, options));
    });
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

  /** Closes the snapshot in the agent and drops what was cached for it. */
  async forget(record: SnapshotRecord): Promise<void> {
    this.statsCache.delete(record.id);
    this.layoutCache.delete(record.id);
    for (const key of [...this.dominatorsCache.keys()]) if (key.startsWith(`${record.id}|`)) this.dominatorsCache.delete(key);
    for (const cache of [this.diffCache, this.insightsCache]) for (const key of [...cache.keys()]) if (key.split('→').includes(record.id)) cache.delete(key);
    const info = this.opened.get(record.id);
    this.opened.delete(record.id);
    if (!info || !this.agent?.isAlive) return;
    try {
      await this.agent.close((await info).snapshotId);
    } catch {
      /* not open after all, or the agent is gone: nothing to close */
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const agent = this.agent;
    this.agent = undefined;
    await agent?.dispose();
  }

  /** Runs `call` on the snapshot; if the agent died under it, restarts the agent, reopens the dump and tries once more. */
  private withSnapshot<T>(record: SnapshotRecord, options: CallOptions | undefined, call: (client: AgentClient, snapshotId: string) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const info = await this.open(record, options?.cancellation);
      return call(this.client(), info.snapshotId);
    });
  }

  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    const generation = this.generation;
    try {
      return await work();
    } catch (err) {
      if (err instanceof CancelledError || this.disposed) throw err;
      // Died during the call (or another call already replaced it): the retry's client() restarts it if needed.
      if (!this.agentDied() && generation === this.generation) throw err;
      return work();
    }
  }

  private agentDied(): boolean {
    return this.agent !== undefined && !this.agent.isAlive;
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
