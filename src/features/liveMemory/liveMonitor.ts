// The live memory monitor of the window: one process at a time (a .NET debug session's, or one the user picked),
// watched through a live event session of the analysis agent: the runtime's counters once a second and each GC,
// kept for the Memory view (the last hour), and on request allocation samples. Switching sampling on or off starts
// a new session (the chart goes on); a sampled session is stopped keeping its samples, which stay readable as a
// sampled period (AllocationPeriods) for Heap Types, Retention Paths and the summary page.
import * as vscode from 'vscode';
import type { LiveTrace } from '../../agent/liveTrace';
import type { CounterSample, GcEvent } from '../../protocol/agent';
import type { MemoryStatus } from '../../protocol/memoryView';
import { errorMessage, HeapLensServices } from '../services';

/** History kept for the chart. */
const KEEP_MS = 60 * 60_000;
/** How long starting an event session may take (a stopped or very busy process never answers). */
const START_TIMEOUT_MS = 30_000;

export interface MonitorTarget {
  pid: number;
  /** The program, as people call it. */
  name: string;
  /** The process's key (SnapshotOrigin.key: pid and start time), to find its snapshots. */
  key: string;
  /** The debug session it belongs to, when monitored for one. */
  debugSessionId?: string;
}

export type MonitorChange = { kind: 'reset' } | { kind: 'append'; samples: CounterSample[]; gcs: GcEvent[] } | { kind: 'status' };

export class LiveMonitor implements vscode.Disposable {
  private current: MonitorTarget | undefined;
  private state: MemoryStatus['state'] = 'idle';
  private message: string | undefined;
  private trace: LiveTrace | undefined;
  private sampled = false;
  /** Bumped by every start, stop and switch: an answer for an older one is dropped. */
  private generation = 0;
  private history: CounterSample[] = [];
  private gcHistory: GcEvent[] = [];
  private readonly changed = new vscode.EventEmitter<MonitorChange>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly services: HeapLensServices) {}

  get target(): MonitorTarget | undefined {
    return this.current;
  }
  get samples(): readonly CounterSample[] {
    return this.history;
  }
  get gcs(): readonly GcEvent[] {
    return this.gcHistory;
  }
  get status(): Omit<MemoryStatus, 'snapshots'> {
    const target = this.current && `${this.current.name} (process ${this.current.pid})`;
    return { state: this.state, target, message: this.message, sampling: this.state === 'running' && this.sampled };
  }
  get running(): boolean {
    return this.trace !== undefined;
  }

  /** Monitors `target` instead of what was monitored; resolves once the session runs, or with why it could not start. */
  async start(target: MonitorTarget, sampling: boolean): Promise<string | undefined> {
    await this.stop();
    this.current = target;
    this.history = [];
    this.gcHistory = [];
    this.changed.fire({ kind: 'reset' });
    return this.open(sampling, this.generation);
  }

  private async open(sampling: boolean, generation: number): Promise<string | undefined> {
    const target = this.current!;
    this.setState('starting');
    let trace: LiveTrace;
    try {
      trace = await this.services.analysis.liveTrace(target.pid, { counters: true, allocations: sampling, timeoutMs: START_TIMEOUT_MS });
    } catch (err) {
      if (generation !== this.generation) return undefined;
      const message = errorMessage(err);
      this.services.logger.warn(`Memory view: ${message}`);
      this.setState('failed', message);
      return message;
    }
    if (generation !== this.generation) {
      void trace.stop();
      return undefined;
    }
    this.trace = trace;
    this.sampled = sampling;
    if (sampling) this.services.allocations.add({ key: target.key, trace, from: Date.now() });
    trace.on((event) => {
      if (this.trace !== trace) return;
      if (event.kind === 'counters') this.append([event.body], []);
      else if (event.kind === 'gc') this.append([], [event.body]);
    });
    void trace.ended.then((ended) => {
      // Stopped or switched by us: nothing to say here.
      if (this.trace !== trace) return;
      this.trace = undefined;
      this.services.allocations.close(trace, Date.now());
      // The agent keeps a session that ended by itself until told: keep only the sampled ones.
      if (!sampling) void trace.release();
      this.services.logger.info(`Memory view: ${ended.message}`);
      this.setState(ended.reason === 'failed' ? 'failed' : 'ended', ended.message);
    });
    this.services.logger.info(`Memory view: monitoring process ${target.pid}${sampling ? ', sampling allocations' : ''} (session ${trace.id})`);
    this.setState('running');
    return undefined;
  }

  /** Stops monitoring; the chart stays, and sampled allocations stay readable. */
  async stop(message = 'Monitoring stopped.'): Promise<void> {
    this.generation++;
    const trace = this.trace;
    this.trace = undefined;
    if (this.state === 'starting' || this.state === 'running') this.setState('ended', message);
    if (trace) {
      this.services.allocations.close(trace, Date.now());
      await trace.stop({ keepSamples: this.sampled });
    }
  }

  /** Starts or stops sampling allocations in the monitored process: a new session; the chart goes on. */
  async setSampling(on: boolean): Promise<string | undefined> {
    const old = this.trace;
    if (!this.current || !old) throw new Error('No process is being monitored: start with "HeapLens: Monitor Memory of a .NET Process…" or a debug session.');
    if (this.sampled === on) return undefined;
    const generation = ++this.generation;
    this.trace = undefined;
    this.services.allocations.close(old, Date.now());
    await old.stop({ keepSamples: this.sampled });
    if (generation !== this.generation) return undefined;
    return this.open(on, generation);
  }

  private append(samples: CounterSample[], gcs: GcEvent[]): void {
    this.history.push(...samples);
    this.gcHistory.push(...gcs);
    const oldest = Date.now() - KEEP_MS;
    while (this.history.length && this.history[0].time < oldest) this.history.shift();
    while (this.gcHistory.length && this.gcHistory[0].time < oldest) this.gcHistory.shift();
    this.changed.fire({ kind: 'append', samples, gcs });
  }

  private setState(state: MemoryStatus['state'], message?: string): void {
    this.state = state;
    this.message = message;
    this.changed.fire({ kind: 'status' });
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }
}
