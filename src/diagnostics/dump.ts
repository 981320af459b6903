// Writes a core dump of a running .NET process through its diagnostics IPC: the runtime forks its own createdump,
// so no ptrace rights of ours are needed. Checks everything it can first, so a failure says what to do.
//
// The runtime writes into a private folder (0700) beside the requested path and we rename the file into place:
// nobody else can read a half-written dump, and if we give up (timeout, cancel) removing the folder stops a
// stopped process from writing the dump later when it resumes.
import * as fs from 'fs';
import * as path from 'path';
import { Cancellation } from '../common/async';
import { CaptureError } from './captureError';
import { findDiagnosticSocket } from './diagnosticSockets';
import { explainTransportFailure } from './failures';
import { DumpCommand, DumpTypeCode, decodeDumpResult, encodeDumpRequest, hresultText, IpcHResult } from './ipcMessage';
import { DEFAULT_CONNECT_TIMEOUT_MS, sendRequest, TransportError } from './ipcTransport';
import { diagnosticsDisabledByEnvironment, hasCoreClr, processExists } from './procfs';

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
  const target = path.resolve(options.path);
  const kind = options.kind ?? 'withHeap';
  const timeoutMs = options.timeoutMs ?? DEFAULT_DUMP_TIMEOUT_MS;
  if (options.cancellation?.isCancellationRequested) throw cancelled(pid);

  const socket = locateServer(pid);
  const privateDir = makePrivateDir(target, pid);
  const staging = path.join(privateDir, path.basename(target));
  let moved = false;
  try {
    await requestDump(pid, socket, staging, DUMP_TYPES[kind], started + timeoutMs, timeoutMs, options.cancellation);
    if (!fs.existsSync(staging)) {
      throw new CaptureError('runtime-error', `The runtime of process ${pid} reported success but wrote no dump. Try again, or capture with --full.`);
    }
    fs.chmodSync(staging, 0o600);
    fs.renameSync(staging, target);
    moved = true;
    return { path: target, bytes: fs.statSync(target).size, ms: Date.now() - started };
  } finally {
    if (!moved) fs.rmSync(staging, { force: true });
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
}

/** Finds the process's diagnostics socket, or explains why there is none. */
function locateServer(pid: number): string {
  if (!processExists(pid)) throw new CaptureError('no-such-process', `No process ${pid} is running. Check the id with \`heaplens ps\`.`);
  const socket = findDiagnosticSocket(pid);
  if (socket) return socket.path;
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

/**
 * A fresh 0700 folder beside the target, owned by the target process's user so its createdump can write there
 * (when we are root and it is not). Failing to make it is how an unwritable destination shows up.
 */
function makePrivateDir(target: string, pid: number): string {
  const dir = path.dirname(target);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new CaptureError('path-not-writable', `${target} is a folder: give a file name for the dump (e.g. ${path.join(target, `dump-${pid}.dmp`)}).`);
  let privateDir: string;
  try {
    privateDir = fs.mkdtempSync(path.join(dir, '.heaplens-capture-'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' && !fs.existsSync(dir) ? 'does not exist' : code === 'EROFS' ? 'is on a read-only file system' : `cannot be written (${code ?? String(err)})`;
    throw new CaptureError('path-not-writable', `Cannot write the dump: the folder ${dir} ${why}. Choose another destination.`);
  }
  try {
    fs.chmodSync(privateDir, 0o700);
    const owner = fs.statSync(`/proc/${pid}`);
    if (process.getuid?.() === 0 && owner.uid !== 0) fs.chownSync(privateDir, owner.uid, owner.gid);
  } catch (err) {
    fs.rmSync(privateDir, { recursive: true, force: true });
    throw new CaptureError('path-not-writable', `Cannot prepare ${dir} for the dump: ${(err as Error).message}. Choose another destination.`);
  }
  return privateDir;
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
      if (err instanceof TransportError) throw await explainTransportFailure(err, pid, 'write a dump', timeoutMs);
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
