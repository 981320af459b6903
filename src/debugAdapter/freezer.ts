// Freezes and thaws a process with SIGSTOP / SIGCONT, and remembers what it froze so that no process is left
// stopped when the session or the adapter goes away, whatever the reason (a crash of the adapter included).
import { processState } from '../diagnostics/diagnosticSockets';

const frozen = new Set<number>();
let hooked = false;

/** Thaws everything still frozen; runs at adapter exit, so it must be synchronous. */
function thawAll(): void {
  for (const pid of frozen) signal(pid, 'SIGCONT');
  frozen.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', thawAll);
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** Stops every thread of the process; false when the process is gone. */
export function freeze(pid: number): boolean {
  hookExit();
  if (!signal(pid, 'SIGSTOP')) return false;
  frozen.add(pid);
  return true;
}

/** Lets the process run again (harmless when it was not frozen or is gone). */
export function thaw(pid: number): void {
  frozen.delete(pid);
  signal(pid, 'SIGCONT');
}

export function isFrozen(pid: number): boolean {
  return frozen.has(pid);
}

/** True while the process exists and has not ended (a zombie waiting to be reaped counts as ended). */
export function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}
