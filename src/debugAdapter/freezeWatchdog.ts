// The freeze watchdog: a small process of its own (freezeWatchdogMain.ts, bundled to dist/freezeWatchdogMain.js) that outlives the extension
// host or the debug adapter which froze a process. The freezer tells it, one line per change on its stdin,
// `freeze <pid> <start time> <launched|attached>` and `thaw <pid>`. When its stdin ends, whoever froze the processes
// is gone (exited, crashed or SIGKILLed): it thaws what is still frozen, or kills it when HeapLens launched it, and
// exits. A process whose start time differs is not the one frozen (its pid was reused) and gets no signal.
import { processStartTime } from '../diagnostics/diagnosticSockets';

interface Frozen {
  startTime: string;
  launched: boolean;
}

/** Sends the signal only while `pid` is still the process that started at `startTime`. */
export function signalSame(pid: number, startTime: string, signal: NodeJS.Signals): boolean {
  if (processStartTime(pid) !== startTime) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Applies one line of the freezer's protocol to the table. */
export function applyLine(frozen: Map<number, Frozen>, line: string): void {
  const [verb, pidText, startTime, ownership] = line.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  if (verb === 'freeze' && startTime) frozen.set(pid, { startTime, launched: ownership === 'launched' });
  else if (verb === 'thaw') frozen.delete(pid);
}

/** What the watchdog does once its owner is gone. */
export function releaseAll(frozen: Map<number, Frozen>): void {
  for (const [pid, p] of frozen) {
    // A launched process goes with its session, as on terminate; SIGCONT after SIGKILL is harmless and lets a
    // stopped process be reaped promptly.
    if (p.launched) signalSame(pid, p.startTime, 'SIGKILL');
    signalSame(pid, p.startTime, 'SIGCONT');
  }
  frozen.clear();
}

/** The watchdog process's whole life: read the freezer's lines until stdin ends, then release and exit. */
export function runWatchdog(): void {
  const frozen = new Map<number, Frozen>();
  let pending = '';
  // Signals meant for the owner's process group must not stop the watchdog before it has done its work.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) applyLine(frozen, line);
  });
  const done = () => {
    releaseAll(frozen);
    process.exit(0);
  };
  process.stdin.on('end', done);
  process.stdin.on('error', done);
}

