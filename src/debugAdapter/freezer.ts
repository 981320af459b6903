// Freezes and thaws a process with SIGSTOP / SIGCONT, and remembers what it froze so that no process is left
// stopped when the session or the adapter goes away, whatever the reason. A clean exit thaws in the exit hook; a
// crash or SIGKILL of the extension host or adapter cannot run hooks, so every freeze is also told to the freeze
// watchdog (freezeWatchdog.ts), a process of its own that thaws (or kills, if launched) when we are gone. Each
// freeze records the process's start time: a SIGCONT goes only to the process that was frozen, never to a new
// process that was given the same pid.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { processStartTime, processState } from '../diagnostics/diagnosticSockets';
import { signalSame } from './freezeWatchdog';

export type FreezeOwnership = 'launched' | 'attached';

/** Frozen pid → its start time and who started it. */
const frozen = new Map<number, { startTime: string; ownership: FreezeOwnership }>();
let hooked = false;
let watchdog: ChildProcess | undefined;

/** Thaws everything still frozen; runs at adapter exit, so it must be synchronous. */
function thawAll(): void {
  for (const [pid, p] of frozen) signalSame(pid, p.startTime, 'SIGCONT');
  frozen.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', thawAll);
}

/** The watchdog script beside this module: dist/freezeWatchdogMain.js in the bundles, out/…/ in tests. */
export function watchdogScript(): string {
  return path.join(__dirname, 'freezeWatchdogMain.js');
}

/** Tells the watchdog one change, starting it first if needed; without a watchdog the exit hook still thaws. */
function tellWatchdog(line: string): void {
  if (!watchdog) {
    const script = watchdogScript();
    if (!fs.existsSync(script)) return;
    // Its own session (detached): a signal to our process group (a terminal's Ctrl-C, a killed host) spares it.
    const child = spawn(process.execPath, [script], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    child.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    child.once('exit', () => {
      if (watchdog === child) watchdog = undefined;
    });
    // Neither the process nor its pipe may keep an adapter that is done from exiting.
    child.unref();
    (child.stdin as unknown as { unref?(): void }).unref?.();
    watchdog = child;
    for (const [pid, p] of frozen) child.stdin!.write(`freeze ${pid} ${p.startTime} ${p.ownership}\n`);
  }
  watchdog.stdin!.write(`${line}\n`);
}

/** The watchdog's pid while one runs (tests use it to see that it ends with its owner). */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}

/** Stops every thread of the process; false when the process is gone. */
export function freeze(pid: number, ownership: FreezeOwnership = 'attached'): boolean {
  hookExit();
  const startTime = processStartTime(pid);
  if (startTime === undefined) return false;
  // The watchdog hears first: if we die right after the SIGSTOP, it still knows to undo it.
  tellWatchdog(`freeze ${pid} ${startTime} ${ownership}`);
  if (!signalSame(pid, startTime, 'SIGSTOP')) {
    tellWatchdog(`thaw ${pid}`);
    return false;
  }
  frozen.set(pid, { startTime, ownership });
  return true;
}

/** Lets the process run again (harmless when it was not frozen or is gone). */
export function thaw(pid: number): void {
  const known = frozen.get(pid);
  if (known === undefined) {
    // Not frozen by us (a kill thaws first in case the user stopped it): the caller knows the pid is current.
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
    return;
  }
  frozen.delete(pid);
  tellWatchdog(`thaw ${pid}`);
  signalSame(pid, known.startTime, 'SIGCONT');
}

export function isFrozen(pid: number): boolean {
  return frozen.has(pid);
}

/** True while the process exists and has not ended (a zombie waiting to be reaped counts as ended). */
export function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}
