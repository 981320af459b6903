// The one owner of the analysis agent process: the extension's window, a standalone debug adapter and a CLI run each
// have one AgentHost, and the inline debug adapter borrows the extension's, so a dump is indexed once however many
// parts of HeapLens look at it. Callers name snapshots by their dump file; the host opens each dump in the agent on
// demand and keeps what it costs within a memory budget:
// - opens run one at a time (OpenQueue);
// - after each open, the least recently used snapshots that nothing is reading are closed in the agent until the
//   indexes (their sizes come from the agent) fit the budget; they reopen from their dumps when next used;
// - an agent that crashes is restarted, and the request that was running is tried once more; a dump that was being
//   read in two crashes (or hangs) is marked and refused from then on instead of crashing the agent on every click;
// - an agent that does not answer (a request timed out, or ignored its cancel: a DAC call stuck in native code) is
//   killed and restarted, the snapshots it had open are reopened, and `onRestart` tells the user.
// No vscode values: the extension passes a logger, the budget and the restart callback.
import * as path from 'path';
import { Cancellation, CancelledError, TimeoutError } from '../common/async';
import { Logger, silentLogger } from '../common/logger';
import * as wire from '../protocol/agent';
import { AgentClient, AgentError, AgentOptions, CallOptions } from './agentClient';
import { OpenQueue } from './openQueue';

/** Default memory budget for open indexes, unless HEAPLENS_AGENT_MEMORY_MB or the caller says otherwise. */
export const DEFAULT_MEMORY_BUDGET_MB = 2048;
export const MEMORY_BUDGET_VARIABLE = 'HEAPLENS_AGENT_MEMORY_MB';
/**
 * What an open snapshot costs beyond its index: ClrMD's data target and runtime and the DAC's caches (measured at
 * about 3.6 MB of anonymous memory per snapshot on the LongPath fixture's 70 MB dumps; counted high on purpose).
 */
export const SNAPSHOT_OVERHEAD_BYTES = 8 * 1024 * 1024;
/** Crashes or hangs while a dump was being read before it is refused. */
const STRIKES_TO_MARK = 2;

export interface AgentHostOptions {
  logger?: Logger;
  /** How the agent process is started (paths, timeouts, test hooks); the host adds its logger and hang handling. */
  agent?: Omit<AgentOptions, 'logger' | 'onUnresponsive'>;
  /** Budget for open indexes in bytes (default: HEAPLENS_AGENT_MEMORY_MB, else 2048 MB). */
  memoryBudgetBytes?: number;
  /** Told, with a sentence for the user, when the agent was replaced after a crash or a hang. */
  onRestart?: (message: string) => void;
  /** Told of the agent's progress notifications. */
  onProgress?: (progress: wire.ProgressParams) => void;
}

interface Entry {
  readonly dumpPath: string;
  /** Holders (views, debug sessions, CLI commands); the snapshot is closed when the last lets go. */
  leases: number;
  /** The open in the current agent, if any. */
  info?: Promise<wire.SnapshotInfo>;
  agent?: AgentClient;
  /** Set once `info` has resolved: the index exists and counts against the budget. */
  open: boolean;
  indexBytes: number;
  /** Requests reading the snapshot now: it is not evicted under them. */
  busy: number;
  pinned?: boolean;
  lastUsed: number;
}

export function memoryBudgetFromEnvironment(): number {
  const mb = Number(process.env[MEMORY_BUDGET_VARIABLE]);
  return (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_MEMORY_BUDGET_MB) * 1024 * 1024;
}

export class AgentHost {
  private agent: AgentClient | undefined;
  private readonly entries = new Map<string, Entry>();
  /** Crashes and hangs per dump, for the life of the host (a dump keeps its strikes when reopened). */
  private readonly strikes = new Map<string, number>();
  private readonly queue = new OpenQueue();
  private readonly progressListeners = new Set<(progress: wire.ProgressParams) => void>();
  private readonly logger: Logger;
  private disposed = false;
  private restarts = 0;
  private clock = 0;
  /** Budget for open indexes in bytes; a change applies from the next open. */
  memoryBudgetBytes: number;

  constructor(private readonly options: AgentHostOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.memoryBudgetBytes = options.memoryBudgetBytes ?? memoryBudgetFromEnvironment();
  }

  /** The live agent, started (or restarted after it died) as needed. */
  client(): AgentClient {
    if (this.disposed) throw new AgentError('HeapLens is shutting down.');
    if (this.agent?.isAlive) return this.agent;
    if (this.agent) this.replaced(this.agent, `The HeapLens analysis agent stopped unexpectedly (${this.agent.stopReason ?? 'no reason given'}) and was restarted; open snapshots are being reloaded from their dumps.`);
    const agent = AgentClient.start({
      ...this.options.agent,
      logger: this.logger,
      onProgress: (progress) => {
        (this.options.onProgress ?? this.options.agent?.onProgress)?.(progress);
        this.progressListeners.forEach((listener) => listener(progress));
      },
      onUnresponsive: (method) => this.hung(agent, method),
    });
    this.agent = agent;
    this.logger.info(`started the analysis agent (pid ${agent.pid ?? '?'})`);
    return agent;
  }

  /**
   * Listens to the agent's progress reports (opening a dump, building the dominator tree), whichever request they
   * belong to. Returns the way to stop listening.
   */
  onProgress(listener: (progress: wire.ProgressParams) => void): { dispose(): void } {
    this.progressListeners.add(listener);
    return { dispose: () => this.progressListeners.delete(listener) };
  }

  /** The agent's process id while it runs (tests, the log). */
  get agentPid(): number | undefined {
    return this.agent?.isAlive ? this.agent.pid : undefined;
  }

  /** How many times the agent was replaced after a crash or a hang. */
  get restartCount(): number {
    return this.restarts;
  }

  /** Dumps open in the agent now, with their index sizes (tests, the log). */
  get openSnapshots(): Array<{ dumpPath: string; indexBytes: number }> {
    return [...this.entries.values()].filter((e) => e.open && e.agent === this.agent).map((e) => ({ dumpPath: e.dumpPath, indexBytes: e.indexBytes }));
  }

  /** Why a dump is refused (it crashed or hung the agent twice), or undefined. */
  refusal(dumpPath: string): string | undefined {
    const key = path.resolve(dumpPath);
    if ((this.strikes.get(key) ?? 0) < STRIKES_TO_MARK) return undefined;
    return `The dump ${key} made the HeapLens agent crash or hang twice, so HeapLens no longer opens it (it would fail again on every click). The dump may be damaged or from a runtime the agent cannot read; capture the heap again, and send the HeapLens log with a bug report.`;
  }

  /**
   * Takes a hold on a dump: it stays known (and is reopened when needed) until every holder has released it.
   * `pinned`: never closed to save memory (the CLI, which keeps snapshot ids for the whole command).
   */
  acquire(dumpPath: string, options: { pinned?: boolean } = {}): void {
    const entry = this.entry(dumpPath);
    entry.leases++;
    if (options.pinned) entry.pinned = true;
  }

  /** Lets go of a dump; the last holder's release closes it in the agent. */
  async release(dumpPath: string): Promise<void> {
    const entry = this.entries.get(path.resolve(dumpPath));
    if (!entry || --entry.leases > 0) return;
    this.entries.delete(entry.dumpPath);
    await this.close(entry);
  }

  /**
   * Renames a dump that is open (the debug adapter moves a paused snapshot's dump to where Capture Heap wants it):
   * its holders and its index follow the new name, so the same dump is not indexed twice.
   */
  renamed(from: string, to: string): void {
    const entry = this.entries.get(path.resolve(from));
    if (!entry) return;
    this.entries.delete(entry.dumpPath);
    const moved: Entry = { ...entry, dumpPath: path.resolve(to) };
    const existing = this.entries.get(moved.dumpPath);
    if (existing) moved.leases += existing.leases;
    this.entries.set(moved.dumpPath, moved);
  }

  /** Opens the dump in the agent (once per agent; queued behind other opens) and returns what the agent says. */
  async open(dumpPath: string, cancellation?: Cancellation): Promise<wire.SnapshotInfo> {
    return this.use([dumpPath], () => this.ensureOpen(this.entry(dumpPath), cancellation), { cancellation });
  }

  /**
   * Runs `work` with the given dumps open in the agent (their snapshot ids in the same order). They are not
   * evicted while it runs. If the agent crashes under it, the agent is restarted and `work` runs once more.
   */
  async use<T>(dumpPaths: string[], work: (client: AgentClient, snapshotIds: string[]) => Promise<T>, options: CallOptions = {}): Promise<T> {
    try {
      return await this.attempt(dumpPaths, work, options);
    } catch (err) {
      if (!(err instanceof AgentCrashError) || this.disposed) throw err;
      this.throwIfRefused(dumpPaths);
      this.logger.warn(`the agent died while reading ${dumpPaths.join(', ')}; trying once more in a new agent`);
      try {
        return await this.attempt(dumpPaths, work, options);
      } catch (again) {
        if (again instanceof AgentCrashError) this.throwIfRefused(dumpPaths);
        throw again;
      }
    }
  }

  private throwIfRefused(dumpPaths: string[]): void {
    for (const dumpPath of dumpPaths) {
      const refusal = this.refusal(dumpPath);
      if (refusal) throw new AgentError(refusal, wire.AgentErrorCode.DumpUnreadable);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const agent = this.agent;
    this.agent = undefined;
    this.entries.clear();
    await agent?.dispose();
  }

  /** Kills the agent at once and starts no other (Ctrl-C in the CLI). */
  kill(): void {
    this.disposed = true;
    this.agent?.kill();
  }

  // ---- inside -----------------------------------------------------------------------------------------------------

  private entry(dumpPath: string): Entry {
    const key = path.resolve(dumpPath);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { dumpPath: key, leases: 0, open: false, indexBytes: 0, busy: 0, lastUsed: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async attempt<T>(dumpPaths: string[], work: (client: AgentClient, snapshotIds: string[]) => Promise<T>, options: CallOptions): Promise<T> {
    this.throwIfRefused(dumpPaths);
    const entries = dumpPaths.map((p) => this.entry(p));
    entries.forEach((e) => e.busy++);
    let client: AgentClient | undefined;
    try {
      const ids: string[] = [];
      for (const entry of entries) ids.push((await this.ensureOpen(entry, options.cancellation)).snapshotId);
      client = this.client();
      return await work(client, ids);
    } catch (err) {
      const explained = this.explain(err, client ?? this.agent);
      // The agent crashed, or hung in this very request, while these dumps were being read: count it against them.
      if (explained instanceof AgentCrashError || err instanceof TimeoutError) for (const entry of entries) this.strike(entry.dumpPath);
      throw explained;
    } finally {
      for (const entry of entries) {
        entry.busy--;
        entry.lastUsed = ++this.clock;
      }
    }
  }

  private ensureOpen(entry: Entry, cancellation?: Cancellation): Promise<wire.SnapshotInfo> {
    const client = this.client();
    if (entry.info && entry.agent === client) return entry.info;
    entry.agent = client;
    entry.open = false;
    const info = this.queue.run(async () => {
      const opened = await client.open({ path: entry.dumpPath }, { cancellation });
      if (entry.info === info) {
        entry.open = true;
        entry.indexBytes = opened.indexBytes ?? 0;
        entry.lastUsed = ++this.clock;
        await this.keepWithinBudget(entry);
      }
      return opened;
    }, cancellation);
    entry.info = info;
    // A failed or cancelled open must not stay cached.
    info.catch(() => {
      if (entry.info === info) {
        entry.info = undefined;
        entry.agent = undefined;
        entry.open = false;
      }
    });
    return info;
  }

  /** Closes the least recently used idle snapshots until the open indexes fit the budget. */
  private async keepWithinBudget(justOpened: Entry): Promise<void> {
    const open = () => [...this.entries.values()].filter((e) => e.open && e.agent === this.agent);
    let total = open().reduce((sum, e) => sum + e.indexBytes + SNAPSHOT_OVERHEAD_BYTES, 0);
    if (total <= this.memoryBudgetBytes) return;
    const idle = open()
      .filter((e) => e !== justOpened && e.busy === 0 && !e.pinned)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of idle) {
      if (total <= this.memoryBudgetBytes) break;
      total -= entry.indexBytes + SNAPSHOT_OVERHEAD_BYTES;
      this.logger.info(`closing ${path.basename(entry.dumpPath)} in the agent to stay within the ${mb(this.memoryBudgetBytes)} memory budget; it reopens when needed`);
      await this.close(entry);
    }
    if (total > this.memoryBudgetBytes) {
      this.logger.warn(`the snapshots in use need ${mb(total)}, more than the ${mb(this.memoryBudgetBytes)} budget (heaplens.agentMemoryMB): nothing idle is left to close`);
    }
  }

  private async close(entry: Entry): Promise<void> {
    const { info, agent } = entry;
    entry.info = undefined;
    entry.agent = undefined;
    entry.open = false;
    if (!info || !agent?.isAlive) return;
    try {
      await agent.close((await info).snapshotId);
    } catch {
      /* not open after all, or the agent is gone: nothing to close */
    }
  }

  private strike(dumpPath: string): void {
    const count = (this.strikes.get(dumpPath) ?? 0) + 1;
    this.strikes.set(dumpPath, count);
    if (count === STRIKES_TO_MARK) this.logger.error(this.refusal(dumpPath)!);
  }

  /** The agent did not answer: kill it, start a new one, reopen what was open, and tell the user. */
  private hung(agent: AgentClient, method: string): void {
    if (agent !== this.agent || !agent.isAlive || this.disposed) return;
    const reason = `The HeapLens analysis agent stopped answering (${method} did not finish, and a cancel did not stop it) and was restarted`;
    this.logger.error(`${reason}; killing process ${agent.pid ?? '?'}`);
    agent.kill(`${reason}. Try again; snapshots are being reopened from their dumps.`);
    this.replaced(agent, `${reason}; open snapshots are being reopened from their dumps.`);
  }

  /** Forgets what the dead agent had open, tells the user, and reopens (in the background) what was open in it. */
  private replaced(dead: AgentClient, message: string): void {
    if (this.agent !== dead) return;
    this.agent = undefined;
    this.restarts++;
    this.logger.warn(message);
    this.options.onRestart?.(message);
    const reopen = [...this.entries.values()]
      .filter((e) => e.agent === dead && e.open && e.leases > 0 && !this.strikes.has(e.dumpPath))
      .sort((a, b) => b.lastUsed - a.lastUsed);
    for (const entry of this.entries.values()) {
      if (entry.agent === dead) {
        entry.info = undefined;
        entry.agent = undefined;
        entry.open = false;
      }
    }
    if (this.disposed) return;
    // Most recently used first; the budget closes the oldest again if they do not all fit.
    for (const entry of reopen) {
      void this.open(entry.dumpPath).then(
        () => this.logger.info(`reopened ${entry.dumpPath}`),
        (err: Error) => this.logger.warn(`could not reopen ${entry.dumpPath}: ${err.message}`),
      );
    }
  }

  /** Turns "the agent died under this request" into an error that says what happened and what to do. */
  private explain(err: unknown, agent: AgentClient | undefined): unknown {
    if (err instanceof CancelledError || !agent || agent.isAlive) return err;
    if (err instanceof TimeoutError) return new AgentError(`${err.message} HeapLens restarted its analysis agent; try again.`);
    if (err instanceof AgentError && /stopped answering/.test(err.message)) return err;
    if (err instanceof AgentError && !agent.wasStopped && !this.disposed) return new AgentCrashError(err.message);
    return err;
  }
}

/** The agent died under a request (not a hang, not a shutdown): the request is worth one more try. */
export class AgentCrashError extends AgentError {}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
