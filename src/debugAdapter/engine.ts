// The heaplens debugger without the protocol: it starts or attaches to a .NET program (or opens a dump), and answers
// what a debugger is asked (threads, stacks, the heap) from heap snapshots. A snapshot is a core dump written
// through the runtime's diagnostics IPC and opened in the analysis agent.
//
// Pausing writes a snapshot and then freezes the process (SIGSTOP), so what the UI shows (threads, stacks, the
// heap) is the process as it stands; continuing thaws it (SIGCONT). A process we froze is thawed whatever way the
// session ends. The session layer (heaplensSession.ts) turns this into DAP.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { AgentClient, AgentError, findDotnet } from '../agent/agentClient';
import { collectGarbage } from '../agent/collectGarbage';
import { AgentHost } from '../agent/agentHost';
import { CaptureError } from '../diagnostics/captureError';
import { writeDump } from '../diagnostics/dump';
import { readCommandLine } from '../diagnostics/procfs';
import { Logger, silentLogger } from '../common/logger';
import * as agentWire from '../protocol/agent';
import { AdapterErrorId, AttachConfiguration, LaunchConfiguration, SnapshotEventBody, SnapshotReason, SnapshotSummary } from '../protocol/dap';
import { checkAttachable, parseProcessId } from './attachTarget';
import { Debuggee, ExitStatus, WatchedDebuggee } from './debuggee';
import { freeze, isRunning, thaw } from './freezer';
import { checkDumpFile, DumpFileError } from '../diagnostics/dumpFileCheck';
import { copyFileWithProgress } from '../common/copyFile';
import { formatBytes } from '../common/numbers';
import { launchInTerminal, launchInternal, LaunchPlan, RunInTerminal, waitForDiagnostics } from './launcher';
import { resolveProgram } from './programResolver';
import { SnapshotFiles } from './snapshotFiles';
import { UserError } from './userError';

export type OutputCategory = 'stdout' | 'stderr' | 'console' | 'important';

export interface EngineEvents {
  output: [text: string, category: OutputCategory];
  /** The program ended (by itself, killed, or while paused). */
  exited: [status: ExitStatus];
  snapshot: [body: SnapshotEventBody];
}

/** Why the program is stopped, for the stopped event. */
export interface StopInfo {
  reason: 'pause' | 'exception';
  /** The managed id of the thread to show first. */
  threadId: number;
  /** For an exception: "Type: message". */
  description?: string;
}

interface Snapshot extends SnapshotSummary {
  reason: SnapshotReason;
  /** Kept past a continue: captured on request, or a dump the user opened. */
  kept: boolean;
  threads?: agentWire.ThreadInfo[];
}

export interface EngineOptions {
  logger?: Logger;
  /** How long writing one snapshot may take (default 120 s). */
  dumpTimeoutMs?: number;
  /**
   * The agent host to read snapshots with. The inline adapter borrows the extension's, so a dump the session writes
   * and Capture Heap then shows is indexed once; without one the engine starts (and ends) its own.
   */
  agentHost?: AgentHost;
}

type Mode = 'idle' | 'launch' | 'attach' | 'dump';

const DIAGNOSTICS_WAIT_MS = 30_000;
/** A snapshot this soon after launch may catch the runtime before its heap exists. */
const STARTUP_MS = 10_000;

export class DebugEngine extends EventEmitter<EngineEvents> {
  private mode: Mode = 'idle';
  private debuggee: Debuggee | undefined;
  /** The snapshot threads, stacks and the heap come from, while stopped. */
  private current: Snapshot | undefined;
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly host: AgentHost;
  private readonly ownsHost: boolean;
  private readonly files = new SnapshotFiles();
  private readonly logger: Logger;
  private readonly dumpTimeoutMs: number;
  /** Pause, continue and capture run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private exitReported = false;
  /** Set once the session ends the program itself, so its exit is not reported as a surprise. */
  private ending = false;
  /** When the launched program started (Date.now()). */
  private startedAt: number | undefined;

  constructor(options: EngineOptions = {}) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.dumpTimeoutMs = options.dumpTimeoutMs ?? 120_000;
    this.ownsHost = !options.agentHost;
    this.host = options.agentHost ?? new AgentHost({ logger: this.logger });
  }

  get isStopped(): boolean {
    return this.current !== undefined;
  }

  get processId(): number | undefined {
    return this.debuggee?.pid;
  }

  /** The program's command line as /proc shows it. */
  get processName(): string | undefined {
    return this.debuggee ? readCommandLine(this.debuggee.pid) : undefined;
  }

  get isPostMortem(): boolean {
    return this.mode === 'dump';
  }

  // ---- starting ---------------------------------------------------------------------------------------------------

  /** Runs `program`, or opens `dumpPath` (then returns why the dump stands stopped). */
  async launch(config: LaunchConfiguration, runInTerminal?: RunInTerminal): Promise<StopInfo | undefined> {
    if (config.dumpPath && config.program) {
      throw new UserError(AdapterErrorId.BadConfiguration, 'The configuration has both "program" and "dumpPath": keep "program" to run it, or "dumpPath" to open a dump.');
    }
    if (config.dumpPath) return this.openDump(config.dumpPath);
    if (!config.program) {
      throw new UserError(AdapterErrorId.BadConfiguration, 'The launch configuration has no "program". Set it to a .dll, a .csproj or a project folder (or set "dumpPath" to open a dump).');
    }
    if (config.args !== undefined && (!Array.isArray(config.args) || config.args.some((a) => typeof a !== 'string'))) {
      throw new UserError(AdapterErrorId.BadConfiguration, '"args" must be an array of strings.');
    }
    const dotnet = findDotnet();
    const resolved = await resolveProgram(dotnet, config.program, (text) => this.emit('output', text, 'console'));
    const plan: LaunchPlan = {
      dotnet,
      dll: resolved.dll,
      args: config.args ?? [],
      cwd: path.resolve(config.cwd ?? resolved.projectDir ?? path.dirname(resolved.dll)),
      env: config.env ?? {},
    };
    const debuggee =
      config.console === 'integratedTerminal' && runInTerminal
        ? await launchInTerminal(plan, runInTerminal)
        : await launchInternal(plan, { stdout: (t) => this.emit('output', t, 'stdout'), stderr: (t) => this.emit('output', t, 'stderr') });
    this.mode = 'launch';
    this.startedAt = Date.now();
    this.watch(debuggee);
    if (!(await waitForDiagnostics(debuggee, DIAGNOSTICS_WAIT_MS)) && !debuggee.hasExited) {
      this.emit('output', `Process ${debuggee.pid} opened no .NET diagnostics socket within ${DIAGNOSTICS_WAIT_MS / 1000} s: pausing it will not work (is DOTNET_EnableDiagnostics=0 set?).\n`, 'important');
    }
    return undefined;
  }

  async attach(config: Partial<AttachConfiguration>): Promise<void> {
    const pid = parseProcessId(config.processId);
    const target = await checkAttachable(pid);
    this.mode = 'attach';
    this.watch(new WatchedDebuggee(pid, 'attached'));
    this.emit('output', `Attached to process ${pid}: ${target.commandLine}\nIts console output is not shown here. Pause to take a snapshot of its heap.\n`, 'console');
  }

  private watch(debuggee: Debuggee): void {
    this.debuggee = debuggee;
    void debuggee.exited.then((status) => {
      if (this.debuggee !== debuggee || this.disposed) return;
      this.reportExit(status);
    });
  }

  private reportExit(status: ExitStatus): void {
    if (this.exitReported) return;
    this.exitReported = true;
    if (this.current && !this.ending) {
      this.emit('output', `The program exited while it was paused${describeStatus(status)}.\n`, 'important');
    }
    this.emit('exited', status);
  }

  /** Opens a dump post-mortem; it stays stopped for the whole session. */
  private async openDump(dumpPath: string): Promise<StopInfo> {
    let full: string;
    try {
      full = checkDumpFile(dumpPath, 'set "dumpPath" to a core dump');
    } catch (err) {
      throw err instanceof DumpFileError ? new UserError(AdapterErrorId.DumpUnreadable, err.message) : err;
    }
    this.mode = 'dump';
    const snapshot = await this.open(full, 'dump', true, undefined);
    return this.stop(snapshot);
  }

  // ---- pause / continue -------------------------------------------------------------------------------------------

  /** Takes a snapshot, then freezes the process so it stays as the snapshot shows it. */
  pause(): Promise<StopInfo> {
    return this.serialize(async () => {
      const debuggee = this.requireRunning('pause');
      if (this.current) return this.stopInfo(this.current);
      // Freeze as soon as the dump is written, before the agent reads it (which takes a while): the process
      // must not run on past the moment the snapshot shows.
      const snapshot = await this.snapshotOf(debuggee, 'pause', undefined, () => {
        if (!freeze(debuggee.pid, debuggee.ownership) || !isRunning(debuggee.pid)) {
          throw new UserError(AdapterErrorId.ProcessExited, `The program (process ${debuggee.pid}) exited while it was being paused.`);
        }
      });
      try {
        return await this.stop(snapshot);
      } catch (err) {
        thaw(debuggee.pid);
        this.discard(snapshot);
        throw err;
      }
    });
  }


  /** Thaws the process; snapshots nobody asked to keep are closed and their dumps deleted. */
  resume(): Promise<void> {
    return this.serialize(async () => {
      if (this.mode === 'dump') throw new UserError(AdapterErrorId.NotStopped, 'A dump cannot run: it is a snapshot of a process that is gone. Stop the session to close it.');
      const debuggee = this.debuggee;
      const stopped = this.current;
      if (!debuggee || !stopped) return;
      if (debuggee.hasExited) {
        thaw(debuggee.pid);
        // Usually reported already by the exit watch; if the continue came first, report it now (still paused).
        this.reportExit(await debuggee.exited);
        this.current = undefined;
        throw new UserError(AdapterErrorId.ProcessExited, `The program (process ${debuggee.pid}) exited while it was paused; there is nothing to continue. The session ends.`);
      }
      this.current = undefined;
      if (!stopped.kept) this.discard(stopped);
      thaw(debuggee.pid);
    });
  }

  /** `heaplens.captureHeap`: the snapshot a stopped session shows, or a fresh one of the running program. */
  capture(keepAt?: string, collect = true): Promise<SnapshotSummary> {
    return this.serialize(async () => {
      if (this.current) {
        const snapshot = this.current;
        snapshot.kept = true;
        if (keepAt) {
          const target = path.resolve(keepAt);
          if (target !== snapshot.dumpPath) {
            await this.moveDump(snapshot, target);
            return summary(snapshot);
          }
        }
        return summary(snapshot);
      }
      const debuggee = this.requireRunning('capture its heap');
      // A running program collects first, like `heaplens capture`; a paused one (above) cannot run a GC.
      if (collect) await this.collectGarbage(debuggee.pid);
      const snapshot = await this.snapshotOf(debuggee, 'capture', keepAt);
      snapshot.kept = true;
      return { ...summary(snapshot), collected: collect };
    });
  }

  private async collectGarbage(pid: number): Promise<void> {
    this.emit('output', `Collecting garbage in process ${pid} before the snapshot…\n`, 'console');
    try {
      const gc = await collectGarbage(this.host.client(), pid, { timeoutMs: this.dumpTimeoutMs });
      this.logger.info(`GC #${gc.gcNumber} in ${pid} before the snapshot: ${gc.ms} ms`);
    } catch (err) {
      if (err instanceof CaptureError) {
        if (err.code === 'process-exited' || !isRunning(pid)) throw new UserError(AdapterErrorId.ProcessExited, `The program (process ${pid}) exited before its heap snapshot was written.`);
        throw new UserError(AdapterErrorId.CaptureFailed, err.message);
      }
      throw err;
    }
  }

  /**
   * Hands a kept snapshot's dump over to `target` (where Capture Heap keeps it): renamed when it can be, copied
   * across file systems. The agent host follows the new name, so the extension reads the index the session already
   * built instead of indexing the same dump again.
   */
  private async moveDump(snapshot: Snapshot, target: string): Promise<void> {
    const from = snapshot.dumpPath;
    try {
      fs.renameSync(from, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Asynchronously: a dump of several GB must not block the extension host the adapter may run in.
      let shownTenth = 0;
      await copyFileWithProgress(from, target, {
        onProgress: (copied, total) => {
          const tenth = Math.floor((copied / Math.max(1, total)) * 10);
          if (tenth <= shownTenth) return;
          shownTenth = tenth;
          this.emit('output', `Copying the snapshot to ${target}: ${tenth * 10}% (${formatBytes(copied)} of ${formatBytes(total)})\n`, 'console');
        },
      });
      this.files.remove(from);
    }
    fs.chmodSync(target, 0o600);
    this.host.renamed(from, target);
    snapshot.dumpPath = target;
  }

  private requireRunning(action: string): Debuggee {
    const debuggee = this.debuggee;
    if (this.mode === 'dump') throw new UserError(AdapterErrorId.NotStopped, `A dump session cannot ${action}: the dump already is a snapshot.`);
    if (!debuggee) throw new UserError(AdapterErrorId.NotStopped, `There is no program to ${action}: the session has not started one.`);
    if (debuggee.hasExited) throw new UserError(AdapterErrorId.ProcessExited, `The program (process ${debuggee.pid}) has exited; there is nothing to ${action}.`);
    return debuggee;
  }

  /** Writes a dump of the live process and opens it in the agent. */
  /** Writes a dump of the live process, runs `afterWrite` (the pause freezes there), and opens the dump in the agent. */
  private async snapshotOf(debuggee: Debuggee, reason: SnapshotReason, keepAt: string | undefined, afterWrite?: () => void): Promise<Snapshot> {
    const pid = debuggee.pid;
    const dumpPath = keepAt ? path.resolve(keepAt) : this.files.nextPath(pid);
    this.emit('output', `Taking a heap snapshot of process ${pid}…\n`, 'console');
    let written;
    try {
      written = await writeDump(pid, { path: dumpPath, kind: 'withHeap', timeoutMs: this.dumpTimeoutMs });
    } catch (err) {
      if (err instanceof CaptureError) {
        if (err.code === 'process-exited' || err.code === 'no-such-process' || !isRunning(pid)) {
          throw new UserError(AdapterErrorId.ProcessExited, `The program (process ${pid}) exited before its heap snapshot was written.`);
        }
        throw new UserError(AdapterErrorId.CaptureFailed, err.message);
      }
      throw err;
    }
    this.logger.info(`dump of ${pid}: ${written.bytes} bytes in ${written.ms} ms`);
    try {
      afterWrite?.();
      return await this.open(written.path, reason, false, pid);
    } catch (err) {
      if (afterWrite) thaw(pid);
      this.files.remove(written.path);
      if (err instanceof UserError && err.id === AdapterErrorId.DumpUnreadable && this.startedAt !== undefined && Date.now() - this.startedAt < STARTUP_MS) {
        // A dump of a runtime that has not finished starting has no heap yet; the agent's reason would mislead.
        throw new UserError(AdapterErrorId.CaptureFailed, `The program (process ${pid}) was still starting, so its heap could not be read yet. Pause again in a moment.`);
      }
      throw err;
    }
  }


  private async open(dumpPath: string, reason: SnapshotReason, kept: boolean, pid: number | undefined): Promise<Snapshot> {
    let info: agentWire.SnapshotInfo;
    this.host.acquire(dumpPath);
    try {
      info = await this.host.open(dumpPath);
    } catch (err) {
      void this.host.release(dumpPath);
      if (reason !== 'dump') this.files.remove(dumpPath);
      if (err instanceof AgentError) {
        const id = err.code === agentWire.AgentErrorCode.DumpUnreadable ? AdapterErrorId.DumpUnreadable : AdapterErrorId.CaptureFailed;
        throw new UserError(id, `Cannot open the dump ${dumpPath}: ${err.message}`);
      }
      throw err;
    }
    const snapshot: Snapshot = { snapshotId: info.snapshotId, dumpPath, objects: info.objects, bytes: info.bytes, reason, kept };
    this.snapshots.set(snapshot.snapshotId, snapshot);
    this.emit('snapshot', { ...summary(snapshot), reason, processId: pid });
    return snapshot;
  }

  private async stop(snapshot: Snapshot): Promise<StopInfo> {
    snapshot.threads = await this.loadThreads(snapshot);
    this.current = snapshot;
    return this.stopInfo(snapshot);
  }

  private stopInfo(snapshot: Snapshot): StopInfo {
    const threads = snapshot.threads ?? [];
    const throwing = threads.find((t) => t.exception && t.isMain) ?? threads.find((t) => t.exception);
    if (throwing?.exception) {
      return { reason: 'exception', threadId: throwing.managedId, description: `${throwing.exception.type}: ${throwing.exception.message}` };
    }
    return { reason: 'pause', threadId: threads[0]?.managedId ?? MAIN_THREAD_PLACEHOLDER.managedId };
  }

  private async loadThreads(snapshot: Snapshot): Promise<agentWire.ThreadInfo[]> {
    const { threads } = await this.agentCall(snapshot, (c, id) => c.threads(id));
    // The main thread first, then the rest by managed id: the order the Call Stack view shows.
    return [...threads].sort((a, b) => Number(b.isMain) - Number(a.isMain) || a.managedId - b.managedId);
  }

  private discard(snapshot: Snapshot): void {
    this.snapshots.delete(snapshot.snapshotId);
    void this.host.release(snapshot.dumpPath).then(() => this.files.remove(snapshot.dumpPath));
  }

  /** Sends a line typed in the Debug Console to the program's stdin (internalConsole launches only). */
  sendInput(line: string): void {
    const debuggee = this.debuggee;
    if (this.mode === 'dump') throw new UserError(AdapterErrorId.NotStopped, 'A dump has no program to type to.');
    if (!debuggee || debuggee.hasExited) throw new UserError(AdapterErrorId.ProcessExited, 'The program is not running: there is nobody to read this input.');
    if (!debuggee.writeInput(`${line}\n`)) {
      throw new UserError(
        AdapterErrorId.BadConfiguration,
        this.mode === 'attach'
          ? 'HeapLens cannot type into an attached process: its input belongs to the terminal that started it.'
          : 'The program runs in the terminal: type its input there.',
      );
    }
  }

  // ---- what a stopped session shows -------------------------------------------------------------------------------

  /** The threads of the stopped snapshot; while running, one placeholder (the UI needs a thread to pause). */
  threads(): agentWire.ThreadInfo[] {
    return this.current?.threads ?? [MAIN_THREAD_PLACEHOLDER];
  }

  thread(managedId: number): agentWire.ThreadInfo | undefined {
    return this.current?.threads?.find((t) => t.managedId === managedId);
  }

  /** One page of `dumpheap -stat` of the stopped snapshot, largest first, and how many types there are in all. */
  heapTypes(offset: number, top: number): Promise<agentWire.HeapStats> {
    const snapshot = this.requireStopped();
    return this.agentCall(snapshot, (c, snapshotId) => c.stats({ snapshotId, sort: 'bytes', offset, top }));
  }

  instances(type: string, offset: number, limit: number): Promise<agentWire.Instances> {
    const snapshot = this.requireStopped();
    return this.agentCall(snapshot, (c, snapshotId) => c.instances({ snapshotId, type, offset, limit }));
  }

  object(address: agentWire.Address): Promise<agentWire.HeapObject> {
    const snapshot = this.requireStopped();
    return this.agentCall(snapshot, (c, snapshotId) => c.object({ snapshotId, address }));
  }

  private requireStopped(): Snapshot {
    if (!this.current) throw new UserError(AdapterErrorId.NotStopped, 'The program is running: pause it to look at its heap.');
    return this.current;
  }

  // ---- ending -----------------------------------------------------------------------------------------------------

  /** Ends the session. A launched program is killed unless `terminateDebuggee` is false; an attached one is left running (and thawed). */
  async end(terminateDebuggee?: boolean): Promise<void> {
    const debuggee = this.debuggee;
    if (debuggee) {
      const kill = terminateDebuggee ?? debuggee.ownership === 'launched';
      this.ending = true;
      if (kill) await debuggee.kill();
      else thaw(debuggee.pid);
    }
    this.current = undefined;
  }

  /** Ends the program on a terminate request. */
  async terminate(): Promise<void> {
    await this.end(true);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.ending = true;
    if (this.debuggee) {
      // Whatever else happens, never leave a process frozen; kill only what we launched.
      if (this.debuggee.ownership === 'launched') await this.debuggee.kill();
      else thaw(this.debuggee.pid);
      this.debuggee.dispose();
    }
    this.current = undefined;
    const held = [...this.snapshots.values()];
    this.snapshots.clear();
    // A borrowed host lives on (the extension's views may still show these dumps); our own ends with us.
    await Promise.all(held.map((s) => this.host.release(s.dumpPath)));
    if (this.ownsHost) await this.host.dispose();
    this.files.dispose();
    this.removeAllListeners();
  }

  // ---- plumbing ---------------------------------------------------------------------------------------------------

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Runs `call` on the snapshot in the agent (reopened by the host if it was closed or the agent restarted). */
  private async agentCall<T>(snapshot: Snapshot, call: (client: AgentClient, snapshotId: string) => Promise<T>): Promise<T> {
    try {
      return await this.host.use([snapshot.dumpPath], (client, [id]) => call(client, id));
    } catch (err) {
      if (err instanceof AgentError) throw new UserError(AdapterErrorId.Internal, err.message);
      throw err;
    }
  }
}

/** What the threads view shows while the program runs: VS Code needs a thread to offer Pause on. */
export const MAIN_THREAD_PLACEHOLDER: agentWire.ThreadInfo = {
  managedId: 1,
  osId: 0,
  name: 'Main Thread',
  isFinalizer: false,
  isMain: true,
  frames: [],
};

function summary(s: Snapshot): SnapshotSummary {
  return { snapshotId: s.snapshotId, dumpPath: s.dumpPath, objects: s.objects, bytes: s.bytes };
}

function describeStatus(status: ExitStatus): string {
  if (status.signal) return ` (killed by ${status.signal})`;
  if (status.code !== undefined) return ` (exit code ${status.code})`;
  return '';
}
