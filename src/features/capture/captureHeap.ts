// Capture Heap: writes a dump of a .NET process into the dump folder (0600) and adds it as a snapshot, which is
// selected and compared with the previous snapshot of the same process. The process is the active debug session's
// (a heaplens session is asked through its captureHeap request, which also works while it is paused), a pid given
// by the caller, or one the user picks from the running .NET processes. A progress notification has Cancel.
// A running process gets a full GC first (heaplens.collectBeforeCapture), so the snapshot holds live objects only.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError, TimeoutError, withTimeout } from '../../common/async';
import { processStartTime } from '../../diagnostics/diagnosticSockets';
import { writeDump } from '../../diagnostics/dump';
import { prepareDumpFolder } from '../../diagnostics/dumpFolder';
import { readCommandLine } from '../../diagnostics/procfs';
import { Views } from '../../constants';
import { CustomRequests, DEBUG_TYPE, SnapshotSummary } from '../../protocol/dap';
import { removeDump } from '../../snapshots/indexCache';
import { SnapshotOrigin, SnapshotRecord } from '../../snapshots/snapshotStore';
import { progressCancellation } from '../progress';
import { errorMessage, HeapLensServices } from '../services';
import { captureDebugTypes, captureTimeoutMs, collectBeforeCapture, dumpFolder, dumpKind } from '../settings';
import { addSnapshot } from '../snapshots/addSnapshot';
import { ProcessIdTracker } from './processIdTracker';

/** What to capture: a process by id, or a debug session (its process, or its own capture request). */
export type CaptureTarget = { kind: 'process'; pid: number; name: string } | { kind: 'session'; session: vscode.DebugSession; pid?: number; name: string };

/** Arguments the command accepts: `{ pid }` (tests, scripts), a debug session, or nothing (active session or a pick). */
export interface CaptureArguments {
  pid?: number;
  session?: vscode.DebugSession;
}

export class HeapCapture {
  private readonly warnedFolders = new Set<string>();

  constructor(
    private readonly services: HeapLensServices,
    private readonly tracker: ProcessIdTracker,
  ) {}

  /** Runs the whole capture with its progress notification; errors become messages. Returns the new snapshot. */
  async run(args?: CaptureArguments): Promise<SnapshotRecord | undefined> {
    let target: CaptureTarget | undefined;
    try {
      target = await this.resolveTarget(args);
    } catch (err) {
      void vscode.window.showErrorMessage(errorMessage(err));
      return undefined;
    }
    if (!target) return undefined;
    const what = target.pid ? `${target.name} (process ${target.pid})` : target.name;
    try {
      const record = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `HeapLens: capturing the heap of ${what}`, cancellable: true },
        (progress, token) => this.capture(target!, progress, token),
      );
      if (record) await showHeapTypes();
      return record;
    } catch (err) {
      if (err instanceof CancelledError || (err as { code?: string }).code === 'cancelled') {
        this.services.logger.info(`capture of ${what} cancelled`);
        return undefined;
      }
      const message = `HeapLens could not capture the heap of ${what}: ${errorMessage(err)}`;
      this.services.logger.error(message);
      void vscode.window.showErrorMessage(message, 'Show Log').then((c) => c && this.services.log.show(true));
      return undefined;
    }
  }

  private async resolveTarget(args: CaptureArguments | undefined): Promise<CaptureTarget | undefined> {
    if (args && typeof args.pid === 'number') {
      return { kind: 'process', pid: args.pid, name: programName(args.pid) };
    }
    const session = args?.session ?? vscode.debug.activeDebugSession;
    if (session && captureDebugTypes().includes(session.type)) {
      const known = this.tracker.processOf(session);
      if (!known && session.type !== DEBUG_TYPE) {
        throw new Error(
          `HeapLens does not know the process id of the debug session "${session.name}" (its debugger has not reported it). Run "HeapLens: Capture Heap" outside the session and pick the process instead.`,
        );
      }
      // Snapshots are named after the program ("LeakyShop #2"), not the launch configuration.
      return { kind: 'session', session, pid: known?.pid, name: known ? programName(known.pid, known.name) : session.name };
    }
    return this.pickProcess();
  }

  private async pickProcess(): Promise<CaptureTarget | undefined> {
    const { listDotnetProcesses } = await import('../../diagnostics/processes');
    const processes = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'HeapLens: looking for .NET processes' }, () => listDotnetProcesses())).filter(
      (p) => p.pid !== process.pid,
    );
    if (processes.length === 0) {
      throw new Error('HeapLens found no running .NET process to capture. Start the program (or a debug session) first, or open a dump.');
    }
    const chosen = await vscode.window.showQuickPick(
      processes.map((p) => ({
        label: `${p.entryAssembly || programName(p.pid)} (${p.pid})`,
        description: p.runtimeVersion ? `.NET ${p.runtimeVersion}` : p.responding ? '' : 'not responding (stopped?)',
        detail: p.commandLine,
        pid: p.pid,
      })),
      { title: 'Capture the heap of which .NET process?', placeHolder: 'Type to filter by name, id or command line', matchOnDescription: true, matchOnDetail: true },
    );
    return chosen ? { kind: 'process', pid: chosen.pid, name: chosen.label.replace(/ \(\d+\)$/, '') } : undefined;
  }

  private async capture(target: CaptureTarget, progress: vscode.Progress<{ message?: string }>, token: vscode.CancellationToken): Promise<SnapshotRecord | undefined> {
    const cancellation = progressCancellation(token);
    const folder = dumpFolder(this.services.context);
    this.prepareFolder(folder);
    const takenAt = Date.now();
    const file = path.join(folder, `${safeName(target.name)}-${target.pid ?? 'session'}-${stamp(new Date(takenAt))}.dmp`);
    const collect = collectBeforeCapture();
    let dumpPath: string;
    let collected: boolean;
    let pid = target.pid;
    if (target.kind === 'session' && target.session.type === DEBUG_TYPE) {
      progress.report({ message: collect ? 'collecting garbage (unless paused), then writing the dump…' : 'writing the dump…' });
      const summary = await this.captureThroughSession(target.session, file, collect, cancellation);
      dumpPath = summary.dumpPath;
      collected = summary.collected === true;
    } else {
      if (collect) {
        // Like dotnet-gcdump: a full blocking GC first, so the snapshot holds live objects only.
        progress.report({ message: 'collecting garbage…' });
        const gc = await this.services.analysis.collect(target.pid!, { timeoutMs: captureTimeoutMs(), cancellation });
        this.services.logger.info(`GC #${gc.gcNumber} in process ${target.pid} before the capture: ${gc.ms} ms`);
      }
      collected = collect;
      progress.report({ message: 'writing the dump…' });
      const result = await writeDump(target.pid!, { path: file, kind: dumpKind(), timeoutMs: captureTimeoutMs(), cancellation });
      dumpPath = result.path;
      this.services.logger.info(`wrote ${result.path} (${result.bytes} bytes in ${result.ms} ms)`);
    }
    fs.chmodSync(dumpPath, 0o600);
    if (pid === undefined && target.kind === 'session') pid = this.tracker.processOf(target.session)?.pid;
    progress.report({ message: collected ? 'reading the heap (collected first: live objects only)…' : 'reading the heap (captured as it was, garbage included)…' });
    const origin: SnapshotOrigin =
      target.kind === 'session'
        ? { kind: 'debugSession', name: target.name, pid, debugType: target.session.type, key: processKey(pid) ?? `session:${target.session.id}` }
        : { kind: 'process', name: target.name, pid, key: processKey(pid) };
    return addSnapshot(this.services, { dumpPath, ownsDump: true, origin, takenAt, collected }, cancellation);
  }

  /** Creates the dump folder (0700) if missing; an existing one is left as it is, with a warning once if it is not private. */
  private prepareFolder(folder: string): void {
    let prepared;
    try {
      prepared = prepareDumpFolder(folder);
    } catch (err) {
      throw new Error(`${errorMessage(err)}: set "heaplens.dumpFolder" to a writable folder`);
    }
    if (prepared.warning && !this.warnedFolders.has(folder)) {
      this.warnedFolders.add(folder);
      this.services.logger.warn(prepared.warning);
      void vscode.window.showWarningMessage(prepared.warning);
    }
  }

  /** The heaplens adapter writes the dump itself (thawing nothing: a paused session hands over its pause snapshot). */
  private async captureThroughSession(session: vscode.DebugSession, file: string, collect: boolean, cancellation: ReturnType<typeof progressCancellation>): Promise<SnapshotSummary> {
    const request = Promise.resolve(session.customRequest(CustomRequests.captureHeap.command, { path: file, collect })) as Promise<SnapshotSummary>;
    // A request the user gave up on must not leave its dump behind when it completes later.
    const cleanUp = () => void request.then((s) => removeDump(s?.dumpPath ?? file), () => undefined);
    try {
      // The session may run a GC first and then write the dump, each within the capture timeout.
      const limitMs = (collect ? 2 : 1) * captureTimeoutMs() + 30_000;
      const summary = await withTimeout(request, limitMs, `the debug session did not write the dump within ${Math.round(limitMs / 1000)} s`, cancellation, cleanUp);
      if (!summary?.dumpPath || !fs.existsSync(summary.dumpPath)) throw new Error('the debug session reported a snapshot but its dump file is missing');
      return summary;
    } catch (err) {
      if (err instanceof TimeoutError || err instanceof CancelledError) throw err;
      // The adapter's error response carries a message meant for the user.
      throw new Error(errorMessage(err));
    }
  }
}

/** Brings the Heap Types view (showing the new snapshot) into sight, without taking the keyboard from the editor. */
export async function showHeapTypes(): Promise<void> {
  await vscode.commands.executeCommand(`${Views.HeapTypes}.focus`, { preserveFocus: true }).then(undefined, () => undefined);
}

/** Same pid and same start time: the same process, across debug sessions and palette captures. */
export function processKey(pid: number | undefined): string | undefined {
  if (!pid) return undefined;
  return `pid:${pid}@${processStartTime(pid) ?? '?'}`;
}

/** The program a process runs: the .dll it was started with, else the executable's name. */
export function programName(pid: number, fallback?: string): string {
  const commandLine = readCommandLine(pid) ?? fallback ?? '';
  const parts = commandLine.split(' ').filter(Boolean);
  const dll = parts.find((p) => p.endsWith('.dll'));
  const base = path.basename(dll ?? parts[0] ?? `process-${pid}`);
  return base.replace(/\.dll$/i, '') || `process ${pid}`;
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'dotnet';
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${String(d.getMilliseconds()).padStart(3, '0')}`;
}
