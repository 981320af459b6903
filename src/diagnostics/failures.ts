// Turns a transport failure into a CaptureError that names the process and says what to do, using what /proc
// tells us afterwards (did the process exit? is it stopped?).
import { createdumpOf, tracerOf } from './abandonedDump';
import { CaptureError } from './captureError';
import { processState } from './diagnosticSockets';
import { TransportError } from './ipcTransport';
import { processExists } from './procfs';

/** A timeout as people read it: "2 s", "1.5 s", "300 ms". */
export function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** Why a stopped process does not answer, when that is the reason. */
export function stoppedHint(pid: number): string {
  const state = processState(pid);
  if (state === 'T') return ` It is stopped (SIGSTOP): resume it with \`kill -CONT ${pid}\` and try again.`;
  if (state === 't') {
    const tracer = tracerOf(pid);
    // The runtime's own createdump ptrace-holds the process while it writes a dump: not a debugger to detach.
    if (tracer !== undefined && createdumpOf(pid, tracer)) {
      return ` The runtime's createdump (pid ${tracer}) is writing a dump of it for another request: wait until it is done and try again.`;
    }
    return ' It is held by a native debugger (ptrace): detach it and try again.';
  }
  return '';
}

/**
 * Like describeTransportFailure, but when the connection dropped it first gives a dying process a moment to
 * leave /proc: the kernel closes a process's sockets before it becomes a zombie, so "closed" can arrive while
 * the process still looks alive.
 */
export async function explainTransportFailure(err: TransportError, pid: number, action: string, timeoutMs: number): Promise<CaptureError> {
  if (['closed', 'missing', 'refused'].includes(err.failure)) await waitForExit(pid, 500);
  return describeTransportFailure(err, pid, action, timeoutMs);
}

async function waitForExit(pid: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (processExists(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * `action` is what we asked for ("write a dump", "describe itself"); `timeoutMs` the limit that was used.
 * `probe` lets tests replace /proc lookups; real callers leave it alone.
 */
export function describeTransportFailure(
  err: TransportError,
  pid: number,
  action: string,
  timeoutMs: number,
  probe: { alive(pid: number): boolean; hint(pid: number): string } = { alive: processExists, hint: stoppedHint },
): CaptureError {
  switch (err.failure) {
    case 'missing':
    case 'refused':
      if (!probe.alive(pid)) return new CaptureError('process-exited', `Process ${pid} exited before it could ${action}.`);
      return new CaptureError(
        'diagnostics-disabled',
        `The diagnostics socket of process ${pid} does not answer (${err.message}): its diagnostics server is off or restarting. Restart the process to capture it.`,
      );
    case 'denied':
      return new CaptureError('permission-denied', `Not allowed to open the diagnostics socket of process ${pid}: run HeapLens as the process's user (or with sudo).`);
    case 'connect-timeout':
      return new CaptureError('timeout', `Process ${pid} did not accept a diagnostics connection within ${seconds(timeoutMs)}.${probe.hint(pid)}`);
    case 'reply-timeout':
      return new CaptureError(
        'timeout',
        `Process ${pid} did not ${action} within ${seconds(timeoutMs)}.${probe.hint(pid) || ' A very large heap needs more time: allow a longer timeout.'}`,
      );
    case 'closed':
      if (!probe.alive(pid)) return new CaptureError('process-exited', `Process ${pid} exited while it was asked to ${action}; nothing was kept.`);
      return new CaptureError('protocol-error', `Process ${pid} closed the diagnostics connection without answering (${err.message}). Try again.`);
    case 'malformed':
      return new CaptureError('protocol-error', `Process ${pid} answered something that is not a diagnostics reply: ${err.message}`);
    case 'cancelled':
      return new CaptureError('cancelled', `The request to process ${pid} to ${action} was cancelled.`);
    default:
      return new CaptureError('protocol-error', `Could not ask process ${pid} to ${action}: ${err.message}.`);
  }
}
