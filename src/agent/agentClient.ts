// Spawns the C# analysis agent and gives callers a typed facade over its JSON-RPC wire.
// One agent process serves many snapshots; it is killed on dispose, and a crash fails every pending call
// with a message that says so (the caller may start a new agent).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CancellationTokenSource,
  createMessageConnection,
  MessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { Cancellation, CancelledError, TimeoutError } from '../common/async';
import { Logger, silentLogger } from '../common/logger';
import { productVersion } from '../common/version';
import * as wire from '../protocol/agent';
import { ReplySizeLimit } from './replyLimit';

/** The agent's test hook (agent/HeapLens.Agent/Faults/FaultHook.cs). */
const FAULT_VARIABLE = 'HEAPLENS_AGENT_FAULT';
/** The least an open may take before it counts as hung. */
const OPEN_TIMEOUT_MS = 600_000;

export class AgentError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export interface AgentOptions {
  /** Path of HeapLens.Agent.dll; found beside the bundle or in the repository's dist/agent when absent. */
  agentPath?: string;
  /** The dotnet host to run it with (default: `dotnet` on PATH, or $DOTNET_ROOT/dotnet). */
  dotnetPath?: string;
  logger?: Logger;
  /** Called for the agent's progress notifications. */
  onProgress?: (progress: wire.ProgressParams) => void;
  /**
   * Default timeout of one request, in ms (default 5 minutes; an open gets at least 10: reading a huge dump is slow).
   * A request that times out counts as a hung agent (see onUnresponsive).
   */
  requestTimeoutMs?: number;
  /** Folders to search for a dump's DAC (`--dac-dir`, `heaplens.dacSearchPaths`), read at each open. */
  dacSearchPaths?: () => readonly string[];
  /** The version the agent must report (default: this HeapLens's); a test may pass another to see the refusal. */
  expectedVersion?: string;
  /**
   * Told when the agent looks hung: a request timed out, or was cancelled and not answered within
   * `cancelGraceMs` (a DAC call stuck in native code never sees the cancel). The owner kills and replaces it.
   */
  onUnresponsive?: (method: string) => void;
  /** How long a cancelled request may take to stop before the agent counts as hung (default 15 s). */
  cancelGraceMs?: number;
  /** Largest reply read from the agent (default 128 MB); a larger one fails its request with ReplyTooLarge. */
  maxReplyBytes?: number;
  /**
   * Tests only: HEAPLENS_AGENT_FAULT for the agent (`hang:heap/roots`, `crash:snapshot/open:/tmp/armed`; see
   * agent/HeapLens.Agent/Faults/FaultHook.cs). Without it the variable is removed from the agent's environment.
   */
  faultHook?: string;
}

/** A live trace session's notification. */
export type TraceNotification = { kind: 'counters'; body: wire.CounterSample } | { kind: 'gc'; body: wire.GcEvent } | { kind: 'ended'; body: wire.TraceEnded };

export interface CallOptions {
  cancellation?: Cancellation;
  timeoutMs?: number;
}

/** Finds the built agent: dist/agent beside the running bundle, else the repository's dist/agent. */
export function findAgentPath(start = __dirname): string {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, 'agent', 'HeapLens.Agent.dll'), path.join(dir, 'dist', 'agent', 'HeapLens.Agent.dll')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  throw new AgentError('The HeapLens analysis agent is not built. Run `npm run build` first.');
}

export function findDotnet(): string {
  const root = process.env.DOTNET_ROOT;
  if (root && fs.existsSync(path.join(root, 'dotnet'))) return path.join(root, 'dotnet');
  return 'dotnet';
}

export class AgentClient {
  private readonly process: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly cancelGraceMs: number;
  private readonly onUnresponsive: ((method: string) => void) | undefined;
  private exitError: AgentError | undefined;
  private stoppedOnPurpose = false;
  private readonly exited: Promise<void>;
  /** Settles once the agent has said it is this HeapLens's version; every call waits for it. */
  private readonly versionChecked: Promise<void>;
  private readonly dacSearchPaths: () => readonly string[];
  private agentVersion = 'unknown';
  private readonly traceListeners = new Set<(event: TraceNotification) => void>();

  private constructor(options: AgentOptions) {
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.requestTimeoutMs ?? 300_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 15_000;
    this.onUnresponsive = options.onUnresponsive;
    const env: NodeJS.ProcessEnv = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_EnableDiagnostics: '0' };
    delete env[FAULT_VARIABLE];
    if (options.faultHook) env[FAULT_VARIABLE] = options.faultHook;
    const agentPath = options.agentPath ?? findAgentPath();
    const dotnet = options.dotnetPath ?? findDotnet();
    this.process = spawn(dotnet, [agentPath], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // The agent is a .NET process too: with its diagnostics socket off it never shows up among the
      // processes a user can capture (heaplens ps, the process picker).
      env,
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exitError ??= new AgentError(
          `The HeapLens agent stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). It will be restarted on the next request.`,
        );
        this.logger.warn(this.exitError.message);
        this.connection.dispose();
        resolve();
      });
      this.process.once('error', (err) => {
        this.exitError = new AgentError(`Could not start the HeapLens agent with "${dotnet}": ${err.message}. Is the .NET SDK or runtime installed?`);
        this.logger.error(this.exitError.message);
        resolve();
      });
    });
    // A write to an agent that was just killed (Ctrl-C in the CLI, a crash) fails with EPIPE or
    // ERR_STREAM_DESTROYED; the exit handler already fails the pending calls, so the stream error is only logged.
    this.process.stdin!.on('error', (err) => this.logger.trace(`agent stdin: ${err.message}`));
    this.process.stderr!.setEncoding('utf8');
    this.process.stderr!.on('data', (text: string) => text.split('\n').filter(Boolean).forEach((l) => this.logger.trace(`agent: ${l}`)));
    const limit = new ReplySizeLimit(options.maxReplyBytes, (bytes) => this.logger.warn(`dropped a reply of ${bytes} bytes from the agent: more than the ${limit.maxBytes}-byte limit`));
    limit.on('error', (err) => this.logger.error(`agent output: ${err.message}`));
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout!.pipe(limit)), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification(wire.Notifications.progress, (p) => options.onProgress?.(p));
    this.connection.onNotification(wire.Notifications.traceCounters, (body) => this.emitTrace({ kind: 'counters', body }));
    this.connection.onNotification(wire.Notifications.traceGc, (body) => this.emitTrace({ kind: 'gc', body }));
    this.connection.onNotification(wire.Notifications.traceEnded, (body) => this.emitTrace({ kind: 'ended', body }));
    this.connection.onError(([err]) => this.logger.warn(`agent connection: ${err.message}`));
    this.connection.listen();
    this.dacSearchPaths = options.dacSearchPaths ?? (() => []);
    this.versionChecked = this.checkVersion(agentPath, options.expectedVersion ?? productVersion);
    // Seen by the first call; an agent never called must not leave an unhandled rejection behind.
    this.versionChecked.catch(() => undefined);
  }

  /**
   * An agent from another build (a stale dist/, a half-updated install) may speak another wire: refuse it with a
   * message that says what to do, and stop it.
   */
  private async checkVersion(agentPath: string, expected: string): Promise<void> {
    let reported: string;
    try {
      const answer = this.connection.sendRequest(wire.Methods.version);
      const died = this.exited.then(() => {
        throw this.exitError!;
      });
      reported = (await Promise.race([answer, died])).version;
    } catch (err) {
      if (!(err instanceof ResponseError)) throw err;
      reported = 'older than 0.1.0 (it has no version)';
    }
    this.agentVersion = reported;
    if (reported === expected) return;
    this.exitError = new AgentError(
      `The HeapLens agent ${agentPath} is version ${reported}, but this HeapLens is version ${expected}: they come from different builds. Reinstall HeapLens (or run \`npm run build\` in its repository).`,
    );
    this.logger.error(this.exitError.message);
    this.process.kill('SIGKILL');
    throw this.exitError;
  }

  private emitTrace(event: TraceNotification): void {
    for (const listener of [...this.traceListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn(`trace listener: ${(err as Error).message}`);
      }
    }
  }

  /** Resolves when the agent process has gone (crash, kill or shutdown). */
  get gone(): Promise<void> {
    return this.exited;
  }

  static start(options: AgentOptions = {}): AgentClient {
    return new AgentClient(options);
  }

  /** Settles when the agent process has ended, whatever the reason. */
  get whenExited(): Promise<void> {
    return this.exited;
  }

  /** True when kill() or dispose() ended the agent (not a crash). */
  get wasStopped(): boolean {
    return this.stoppedOnPurpose;
  }

  /** Why the agent is gone (undefined while it runs). */
  get stopReason(): string | undefined {
    return this.exitError?.message;
  }

  get isAlive(): boolean {
    return this.exitError === undefined;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  open(params: wire.OpenSnapshotParams, options?: CallOptions): Promise<wire.SnapshotInfo> {
    const folders = params.dacSearchPaths ?? this.dacSearchPaths().filter((f) => f.trim() !== '');
    return this.call(wire.Methods.open, folders.length ? { ...params, dacSearchPaths: [...folders] } : params, options);
  }
  close(snapshotId: string): Promise<void> {
    return this.call(wire.Methods.close, { snapshotId });
  }
  stats(params: wire.HeapStatsParams, options?: CallOptions): Promise<wire.HeapStats> {
    return this.call(wire.Methods.stats, params, options);
  }
  layout(snapshotId: string, options?: CallOptions): Promise<wire.HeapLayout> {
    return this.call(wire.Methods.layout, { snapshotId }, options);
  }
  instances(params: wire.InstancesParams, options?: CallOptions): Promise<wire.Instances> {
    return this.call(wire.Methods.instances, params, options);
  }
  object(params: wire.ObjectParams, options?: CallOptions): Promise<wire.HeapObject> {
    return this.call(wire.Methods.object, params, options);
  }
  roots(params: wire.RootsParams, options?: CallOptions): Promise<wire.RetentionPaths> {
    return this.call(wire.Methods.roots, params, options);
  }
  retentionGroups(params: wire.RetentionGroupsParams, options?: CallOptions): Promise<wire.RetentionGroups> {
    return this.call(wire.Methods.retentionGroups, params, options);
  }
  dominators(params: wire.DominatorsParams, options?: CallOptions): Promise<wire.Dominators> {
    return this.call(wire.Methods.dominators, params, options);
  }
  diff(params: wire.DiffParams, options?: CallOptions): Promise<wire.HeapDiff> {
    return this.call(wire.Methods.diff, params, options);
  }
  threads(snapshotId: string, options?: CallOptions): Promise<wire.Threads> {
    return this.call(wire.Methods.threads, { snapshotId }, options);
  }
  insights(params: wire.InsightsParams, options?: CallOptions): Promise<wire.Insights> {
    return this.call(wire.Methods.insights, params, options);
  }

  /** Starts a live EventPipe session; its data arrives through onTrace. */
  traceStart(params: wire.TraceStartParams, options?: CallOptions): Promise<wire.TraceStarted> {
    return this.call(wire.Methods.traceStart, params, options);
  }
  traceStop(params: wire.TraceStopParams, options?: CallOptions): Promise<void> {
    return this.call(wire.Methods.traceStop, params, options);
  }
  traceAllocations(params: wire.AllocationsParams, options?: CallOptions): Promise<wire.AllocationReport> {
    return this.call(wire.Methods.traceAllocations, params, options);
  }

  /** Listens to every live session's notifications (filter by sessionId). */
  onTrace(listener: (event: TraceNotification) => void): { dispose(): void } {
    this.traceListeners.add(listener);
    return { dispose: () => this.traceListeners.delete(listener) };
  }

  /** Induces a full blocking GC in a running process (collect before capture). */
  collect(params: wire.CollectParams, options?: CallOptions): Promise<wire.CollectResult> {
    return this.call(wire.Methods.collect, params, options);
  }

  /** The agent's version, once it has been checked against this HeapLens's. */
  async version(): Promise<string> {
    await this.versionChecked;
    return this.agentVersion;
  }

  private async call<P, R>(type: import('vscode-jsonrpc').RequestType<P, R, void>, params: P, options: CallOptions = {}): Promise<R> {
    if (this.exitError) throw this.exitError;
    await this.versionChecked;
    const source = new CancellationTokenSource();
    const timeoutMs = options.timeoutMs ?? (type.method === wire.Methods.open.method ? Math.max(this.timeoutMs, OPEN_TIMEOUT_MS) : this.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    let subscription: { dispose(): void } | undefined;
    const request = this.connection.sendRequest(type, params, source.token);
    let answered = false;
    void request.then(
      () => (answered = true),
      () => (answered = true),
    );
    // The caller is released at once on cancel or timeout; the agent is told ($/cancelRequest) and stops the work.
    // An agent that does not stop within the grace period (or did not answer within the timeout) counts as hung.
    const abandoned = new Promise<never>((_, reject) => {
      subscription = options.cancellation?.onCancellationRequested(() => {
        if (!this.exitError) {
          source.cancel();
          setTimeout(() => {
            if (!answered && !this.exitError) this.onUnresponsive?.(type.method);
          }, this.cancelGraceMs).unref();
        }
        reject(new CancelledError());
      });
      timer = setTimeout(() => {
        source.cancel();
        if (!this.exitError) this.onUnresponsive?.(type.method);
        reject(new TimeoutError(`The HeapLens agent did not answer ${type.method} within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
    });
    const died = this.exited.then(() => {
      throw this.exitError!;
    });
    try {
      return await Promise.race([request, abandoned, died]);
    } catch (err) {
      if (err instanceof ResponseError) {
        if (err.code === wire.AgentErrorCode.Cancelled || options.cancellation?.isCancellationRequested) throw new CancelledError();
        throw new AgentError(err.message, err.code);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      subscription?.dispose();
      source.dispose();
    }
  }

  /**
   * Kills the agent at once (Ctrl-C in the CLI). It is marked dead first, so nothing more is written to it:
   * vscode-jsonrpc turns a request written to a closed pipe into an unhandled rejection.
   */
  kill(reason = 'The HeapLens agent was stopped.'): void {
    if (this.exitError) return;
    this.stoppedOnPurpose = true;
    this.exitError = new AgentError(reason);
    this.process.kill('SIGKILL');
  }

  /**
   * Asks the agent to exit, and kills it if it has not within a second. An agent already killed (Ctrl-C) or dead is
   * waited for (up to 2 s): a SIGKILLed process takes a moment to go, and whoever disposes (the CLI about to exit)
   * must not leave it behind.
   */
  async dispose(): Promise<void> {
    if (this.exitError) {
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      return;
    }
    this.stoppedOnPurpose = true;
    this.exitError = new AgentError('The HeapLens agent was shut down.');
    const gone = this.exited;
    try {
      await Promise.race([this.connection.sendRequest(wire.Methods.shutdown), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      /* it may already be gone */
    }
    this.process.stdin?.end();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 1000);
    await gone;
    clearTimeout(timer);
  }
}
