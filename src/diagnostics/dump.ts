// Writes a core dump of a running .NET process through its diagnostics IPC: the runtime forks its own createdump,
// so no ptrace rights of ours are needed. Checks everything it can first, so a failure says what to do.
//
// The runtime writes into a private folder (0700) beside the requested path and we rename the file into place:
// nobody else can read a half-written dump, and if we give up (timeout, cancel) removing the folder stops a
// stopped process from writing the dump later when it resumes. Capturing another user's process as root, the
// folder the runtime writes in is lent to that user (stagingFolder.ts): nothing it could have changed is followed.
import * as fs from 'fs';
import * as path from 'path';
import { Cancellation } from '../common/async';
import { formatBytes } from '../common/numbers';
import { residentBytes, stopAbandonedDump } from './abandonedDump';
import { CaptureError } from './captureError';
import { findDiagnosticSocket, foreignDiagnosticSockets } from './diagnosticSockets';
import { explainTransportFailure, seconds } from './failures';
import { DumpCommand, DumpTypeCode, decodeDumpResult, encodeDumpRequest, hresultText, IpcHResult } from './ipcMessage';
import { DEFAULT_CONNECT_TIMEOUT_MS, sendRequest, TransportError } from './ipcTransport';
import { diagnosticsDisabledByEnvironment, hasCoreClr, processExists } from './procfs';
import { StagingFolder } from './stagingFolder';

export type DumpKind = 'withHeap' | 'full';

export interface WriteDumpOptions {
  /** Where the dump goes; a relative path is taken from the current directory (the runtime needs an absolute one). */
  path: string;
  /** withHeap (default) holds every managed object; full adds all mapped memory (larger, rarely needed). */
  kind?: DumpKind;
  /** How long the runtime may take to write the dump (default 120 s). */
  timeoutMs?: number;
  cancellation?: Cancellation;
}

export interface DumpResult {
  path: string;
  bytes: number;
  ms: number;
}

export const DEFAULT_DUMP_TIMEOUT_MS = 120_000;

const DUMP_TYPES: Record<DumpKind, DumpTypeCode> = { withHeap: DumpTypeCode.WithHeap, full: DumpTypeCode.Full };

/** Newest command first; an older runtime answers UNKNOWN_COMMAND and we step down. */
const DUMP_COMMANDS = [DumpCommand.GenerateCoreDump3, DumpCommand.GenerateCoreDump2, DumpCommand.GenerateCoreDump];

export async function writeDump(pid: number, options: WriteDumpOptions): Promise<DumpResult> {
  const started = Date.now();
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new CaptureError('no-such-process', `"${pid}" is not a process id: pass a positive number (see \`heaplens ps\`).`);
  const requested = path.resolve(options.path);
  const kind = options.kind ?? 'withHeap';
  const timeoutMs = options.timeoutMs ?? DEFAULT_DUMP_TIMEOUT_MS;
  if (options.cancellation?.isCancellationRequested) throw cancelled(pid);

  const socket = locateServer(pid);
  if (fs.statSync(requested, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CaptureError('path-not-writable', `${requested} is a folder: give a file name for the dump (e.g. ${path.join(requested, `dump-${pid}.dmp`)}).`);
  }
  const staging = StagingFolder.create(path.dirname(requested), pid);
  const target = path.join(staging.destination, path.basename(requested));
  try {
    const file = staging.fileFor(path.basename(requested));
    await requestDump(pid, socket, file, DUMP_TYPES[kind], started + timeoutMs, timeoutMs, options.cancellation);
    const bytes = staging.moveOut(path.basename(requested), target);
    return { path: target, bytes, ms: Date.now() - started };
  } finally {
    staging.remove();
  }
}

/** Finds the process's diagnostics socket, or explains why there is none (a CaptureError that says what to do). */
export function locateServer(pid: number): string {
  if (!processExists(pid)) throw new CaptureError('no-such-process', `No process ${pid} is running. Check the id with \`heaplens ps\`.`);
  const socket = findDiagnosticSocket(pid);
  if (socket) return socket.path;
  const planted = foreignDiagnosticSockets(pid)[0];
  if (planted) {
    throw new CaptureError(
      'unsafe-path',
      `The diagnostics socket ${planted.path} was made by user ${planted.uid}, not by the user process ${pid} runs as, so HeapLens does not write to it (someone may have planted it). Remove it, or restart the process.`,
    );
  }
  const clr = hasCoreClr(pid);
  if (diagnosticsDisabledByEnvironment(pid)) {
    throw new CaptureError(
      'diagnostics-disabled',
      `Process ${pid} runs with DOTNET_EnableDiagnostics=0, which turns off the diagnostics server HeapLens captures through. Restart it without that setting.`,
    );
  }
  if (clr === true) {
    throw new CaptureError(
      'diagnostics-disabled',
      `Process ${pid} runs .NET but has no diagnostics socket (diagnostics disabled, or its TMPDIR is not visible from here). Restart it with diagnostics enabled.`,
    );
  }
  if (clr === undefined) {
    throw new CaptureError('not-dotnet', `Process ${pid} has no .NET diagnostics socket, and its memory map is not readable to check why: run as its owner or with sudo.`);
  }
  throw new CaptureError('not-dotnet', `Process ${pid} is not a .NET (5 or later) process. Pick one from \`heaplens ps\`.`);
}

async function requestDump(
  pid: number,
  socketPath: string,
  file: string,
  dumpType: DumpTypeCode,
  deadline: number,
  timeoutMs: number,
  cancellation: Cancellation | undefined,
): Promise<void> {
  for (const command of DUMP_COMMANDS) {
    const remaining = Math.max(1, deadline - Date.now());
    let reply;
    try {
      reply = await sendRequest(socketPath, encodeDumpRequest(command, file, dumpType, 0), {
        connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, remaining),
        replyTimeoutMs: remaining,
        cancellation,
      });
    } catch (err) {
      if (err instanceof TransportError) throw (await abandoned(err, pid, file, timeoutMs)) ?? (await explainTransportFailure(err, pid, 'write a dump', timeoutMs));
      throw err;
    }
    if (reply.kind === 'ok') {
      const hr = decodeDumpResult(reply.payload);
      if (hr !== 0) throw new CaptureError('runtime-error', `The runtime of process ${pid} could not write the dump (${hresultText(hr)}).`);
      return;
    }
    if (reply.hresult >>> 0 === IpcHResult.UNKNOWN_COMMAND) continue;
    throw runtimeRefused(pid, reply.hresult, reply.message);
  }
  throw new CaptureError('runtime-error', `The runtime of process ${pid} knows no dump command (it predates .NET 5?). Capture it with createdump instead.`);
}

/**
 * Given up on (timeout or cancel) while the runtime's createdump still holds the process: stops that createdump (its
 * dump could not be kept anyway) so the process runs again, and on a timeout says that this, not a debugger, held it.
 */
async function abandoned(err: TransportError, pid: number, file: string, timeoutMs: number): Promise<CaptureError | undefined> {
  if (err.failure !== 'reply-timeout' && err.failure !== 'cancelled') return undefined;
  const resident = residentBytes(pid);
  if (!(await stopAbandonedDump(pid, file)) || err.failure === 'cancelled') return undefined;
  const size = resident === undefined ? '' : ` (${formatBytes(resident)} resident)`;
  return new CaptureError(
    'timeout',
    `Process ${pid} did not write a dump within ${seconds(timeoutMs)}: the runtime's createdump was still reading its memory${size}, and HeapLens stopped it so the process runs again. A large or busy process needs more time: allow a longer timeout.`,
  );
}

function runtimeRefused(pid: number, hresult: number, message: string | undefined): CaptureError {
  const detail = message ? `: ${runtimeMessage(message)}` : '';
  if (hresult >>> 0 === IpcHResult.NOTSUPPORTED) {
    return new CaptureError('runtime-error', `The runtime of process ${pid} does not support writing dumps on this platform (${hresultText(hresult)})${detail}.`);
  }
  return new CaptureError(
    'runtime-error',
    `The runtime of process ${pid} could not write the dump (${hresultText(hresult)})${detail}. Check free disk space and that its user can write the destination.`,
  );
}

/** createdump's lines, without their "[createdump]" tags and the timing line, on one line. */
export function runtimeMessage(message: string): string {
  return message
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*\[createdump\]\s*/, '').trim())
    .filter((l) => l && !/^Failure took/i.test(l))
    .join('; ');
}

function cancelled(pid: number): CaptureError {
  return new CaptureError('cancelled', `The capture of process ${pid} was cancelled.`);
}
