// A live EventPipe session to a running process through the agent (trace/start … trace/stop): counters once a
// second, each GC, and optionally allocation samples. `ended` settles once, however the session ends: stopped,
// the process exited, the stream broke, or the agent itself went away. Shared by the CLI and the Memory view.
import { Cancellation } from '../common/async';
import { locateServer } from '../diagnostics/dump';
import * as wire from '../protocol/agent';
import { AgentClient, TraceNotification } from './agentClient';
import { explainTargetError } from './targetErrors';

export interface LiveTraceOptions {
  counters?: boolean;
  allocations?: boolean;
  cancellation?: Cancellation;
  /** How long starting the session may take (default 30 s). */
  timeoutMs?: number;
}

const STOP_TIMEOUT_MS = 15_000;

export class LiveTrace {
  readonly ended: Promise<wire.TraceEnded>;
  private settle!: (ended: wire.TraceEnded) => void;
  private readonly listeners = new Set<(event: TraceNotification) => void>();
  private readonly subscription: { dispose(): void };
  private sessionId: string | undefined;
  private early: TraceNotification[] = [];

  private constructor(
    private readonly agent: AgentClient,
    readonly pid: number,
  ) {
    this.ended = new Promise((resolve) => (this.settle = resolve));
    // Notifications can arrive before trace/start's answer names the session: keep them until it does.
    this.subscription = agent.onTrace((event) => {
      if (this.sessionId === undefined) this.early.push(event);
      else if (event.body.sessionId === this.sessionId) this.dispatch(event);
    });
    void agent.gone.then(() => this.settle({ sessionId: this.sessionId ?? '', reason: 'failed', message: 'The HeapLens agent stopped; the session ended.' }));
  }

  static async start(agent: AgentClient, pid: number, options: LiveTraceOptions = {}): Promise<LiveTrace> {
    const socketPath = locateServer(pid);
    const trace = new LiveTrace(agent, pid);
    const timeoutMs = options.timeoutMs ?? 30_000;
    try {
      const { sessionId } = await agent.traceStart(
        { pid, socketPath, counters: options.counters ?? true, allocations: options.allocations ?? false, timeoutMs },
        { cancellation: options.cancellation, timeoutMs: timeoutMs + 10_000 },
      );
      trace.sessionId = sessionId;
      const early = trace.early.filter((e) => e.body.sessionId === sessionId);
      trace.early = [];
      early.forEach((e) => trace.dispatch(e));
      return trace;
    } catch (err) {
      trace.subscription.dispose();
      throw explainTargetError(err, pid, 'start an event session', 'Check that it is not stopped, and try again.');
    }
  }

  get id(): string {
    return this.sessionId!;
  }

  /** Counter samples, GCs and the end, as they come. */
  on(listener: (event: TraceNotification) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The allocation samples so far (the session must sample allocations). */
  allocations(params: Omit<wire.AllocationsParams, 'sessionId'> = {}, cancellation?: Cancellation): Promise<wire.AllocationReport> {
    return this.agent.traceAllocations({ ...params, sessionId: this.id }, { cancellation, timeoutMs: 60_000 });
  }

  /**
   * Stops the session; bounded, and quiet when the agent or the process is already gone. With `keepSamples` the
   * allocation samples stay readable through `allocations` until `release`.
   */
  async stop(options: { keepSamples?: boolean } = {}): Promise<void> {
    try {
      if (this.agent.isAlive) await this.agent.traceStop({ sessionId: this.id, keepSamples: options.keepSamples || undefined }, { timeoutMs: STOP_TIMEOUT_MS });
    } catch {
      /* already ended */
    }
    this.settle({ sessionId: this.id, reason: 'stopped', message: 'The session was stopped.' });
    this.subscription.dispose();
  }

  /** Lets the agent drop the samples a stop with `keepSamples` kept (or a session that ended by itself). */
  async release(): Promise<void> {
    try {
      if (this.agent.isAlive) await this.agent.traceStop({ sessionId: this.id }, { timeoutMs: STOP_TIMEOUT_MS });
    } catch {
      /* already gone */
    }
  }

  private dispatch(event: TraceNotification): void {
    for (const listener of [...this.listeners]) listener(event);
    if (event.kind === 'ended') this.settle(event.body);
  }
}
