// Lists the running .NET processes: every live diagnostics socket, asked for its command line and runtime
// version (ProcessInfo2, or ProcessInfo on runtimes that predate it). Stale sockets are skipped without a connect.
import { allSocketDirs, DiagnosticSocket, ownSockets, pickSocket, processStartTime, scanSocketDirs } from './diagnosticSockets';
import { decodeProcessInfo, encodeProcessInfoRequest, IpcHResult, ProcessCommand, ProcessInfoPayload, trimRuntimeVersion } from './ipcMessage';
import { sendRequest, TransportError } from './ipcTransport';
import { explainTransportFailure } from './failures';
import { processExists, readCommandLine } from './procfs';
import { CaptureError } from './captureError';

export interface DotnetProcess {
  pid: number;
  commandLine: string;
  /** e.g. "10.0.12"; empty when the process did not answer. */
  runtimeVersion: string;
  /** clrProductVersion as the runtime reports it, e.g. "10.0.12+4a5b…". */
  runtimeVersionRaw: string;
  entryAssembly?: string;
  os?: string;
  arch?: string;
  socketPath: string;
  /** False when the process has a socket but did not answer in time (stopped, hung, another user's). */
  responding: boolean;
}

export interface ListOptions {
  /** Per-process limit on connect + reply (default 2 s): a stopped process must not hold up the list. */
  timeoutMs?: number;
  /** Folders to scan; default /tmp, our TMPDIR and every TMPDIR a running process has. */
  socketDirs?: string[];
}

export async function listDotnetProcesses(options: ListOptions = {}): Promise<DotnetProcess[]> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const byPid = new Map<number, DiagnosticSocket[]>();
  for (const socket of scanSocketDirs(options.socketDirs ?? allSocketDirs())) {
    const list = byPid.get(socket.pid) ?? [];
    list.push(socket);
    byPid.set(socket.pid, list);
  }
  const live: DiagnosticSocket[] = [];
  for (const [pid, sockets] of byPid) {
    if (!processExists(pid)) continue;
    const start = processStartTime(pid);
    // Only a socket the process's own user made is asked anything (anyone can plant one in /tmp).
    const chosen = pickSocket(ownSockets(pid, sockets).own, start);
    // A socket whose key is not this process's start time was left by an earlier process with the same pid.
    if (chosen && (!start || chosen.key === start)) live.push(chosen);
  }
  const found = await Promise.all(live.map((s) => describe(s, timeoutMs)));
  return found.filter((p): p is DotnetProcess => p !== undefined).sort((a, b) => a.pid - b.pid);
}

async function describe(socket: DiagnosticSocket, timeoutMs: number): Promise<DotnetProcess | undefined> {
  try {
    const info = await askProcessInfo(socket.path, socket.pid, timeoutMs);
    const raw = info.clrProductVersion ?? '';
    return {
      pid: socket.pid,
      commandLine: info.commandLine || readCommandLine(socket.pid) || '',
      runtimeVersion: raw ? trimRuntimeVersion(raw) : '',
      runtimeVersionRaw: raw,
      entryAssembly: info.entryAssembly || undefined,
      os: info.os,
      arch: info.arch,
      socketPath: socket.path,
      responding: true,
    };
  } catch (err) {
    // Gone between the scan and the connect, or a dead socket: not a running .NET process.
    if (err instanceof CaptureError && (err.code === 'process-exited' || err.code === 'diagnostics-disabled')) return undefined;
    return {
      pid: socket.pid,
      commandLine: readCommandLine(socket.pid) ?? '',
      runtimeVersion: '',
      runtimeVersionRaw: '',
      socketPath: socket.path,
      responding: false,
    };
  }
}

/** ProcessInfo2 (0x0404), falling back to ProcessInfo (0x0400) on UNKNOWN_COMMAND. */
export async function askProcessInfo(socketPath: string, pid: number, timeoutMs = 2_000): Promise<ProcessInfoPayload> {
  for (const [command, version] of [
    [ProcessCommand.ProcessInfo2, 2],
    [ProcessCommand.ProcessInfo, 1],
  ] as const) {
    let reply;
    try {
      reply = await sendRequest(socketPath, encodeProcessInfoRequest(command), { connectTimeoutMs: timeoutMs, replyTimeoutMs: timeoutMs });
    } catch (err) {
      if (err instanceof TransportError) throw await explainTransportFailure(err, pid, 'describe itself', timeoutMs);
      throw err;
    }
    if (reply.kind === 'ok') return decodeProcessInfo(reply.payload, version);
    if (reply.hresult >>> 0 !== IpcHResult.UNKNOWN_COMMAND) {
      throw new CaptureError('runtime-error', `Process ${pid} refused to describe itself (HRESULT 0x${(reply.hresult >>> 0).toString(16)}).`);
    }
  }
  throw new CaptureError('runtime-error', `Process ${pid} knows no ProcessInfo command.`);
}
