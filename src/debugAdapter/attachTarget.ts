// Checks that a process id names a running .NET process we can snapshot, before a session attaches to it:
// the mistakes are common (a stale id, the shell instead of the program, a non-.NET process) and each gets its own
// message.
import { CaptureError } from '../diagnostics/captureError';
import { findDiagnosticSocket } from '../diagnostics/diagnosticSockets';
import { askProcessInfo } from '../diagnostics/processes';
import { diagnosticsDisabledByEnvironment, hasCoreClr, processExists, readCommandLine } from '../diagnostics/procfs';
import { AdapterErrorId } from '../protocol/dap';
import { UserError } from './userError';

export interface AttachTarget {
  pid: number;
  commandLine: string;
}

const DESCRIBE_TIMEOUT_MS = 3000;

/** Accepts what launch.json holds: a number, or the text a `${command:…}` process picker produced. */
export function parseProcessId(value: unknown): number {
  const pid = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new UserError(
      AdapterErrorId.BadConfiguration,
      `"processId" must be the id of a running .NET process (got ${JSON.stringify(value) ?? 'nothing'}). Use "\${command:PickProcess}" to choose one.`,
    );
  }
  return pid;
}

export async function checkAttachable(pid: number): Promise<AttachTarget> {
  if (pid === process.pid) throw new UserError(AdapterErrorId.NotDotnet, `Process ${pid} is the HeapLens debug adapter itself. Choose the program's process.`);
  if (!processExists(pid)) throw new UserError(AdapterErrorId.NotDotnet, `No process ${pid} is running. Choose a running .NET process (\${command:PickProcess} lists them).`);
  const commandLine = readCommandLine(pid) ?? '';
  const shown = commandLine ? ` (${truncate(commandLine)})` : '';
  const socket = findDiagnosticSocket(pid);
  if (!socket) {
    if (hasCoreClr(pid) === true || diagnosticsDisabledByEnvironment(pid)) {
      throw new UserError(AdapterErrorId.NotDotnet, `Process ${pid}${shown} runs .NET with its diagnostics server off (DOTNET_EnableDiagnostics=0). Restart it without that setting to attach.`);
    }
    throw new UserError(AdapterErrorId.NotDotnet, `Process ${pid}${shown} is not a .NET process (it has no .NET diagnostics socket). Choose a .NET 5+ process.`);
  }
  try {
    const info = await askProcessInfo(socket.path, pid, DESCRIBE_TIMEOUT_MS);
    return { pid, commandLine: info.commandLine || commandLine };
  } catch (err) {
    if (err instanceof CaptureError) throw new UserError(AdapterErrorId.NotDotnet, `Cannot attach to process ${pid}${shown}: ${err.message}`);
    throw err;
  }
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
