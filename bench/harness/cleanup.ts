// What the benchmark must give back however it ends (success, failure, Ctrl-C): the programs it started and the
// dumps it wrote (they hold the program's memory). Ctrl-C kills, removes and exits at once, synchronously.
import * as fs from 'fs';

const pids = new Set<number>();
const dirs = new Set<string>();

export function trackProcess(pid: number | undefined): void {
  if (pid) pids.add(pid);
}

export function untrackProcess(pid: number | undefined): void {
  if (pid) pids.delete(pid);
}

export function trackDir(dir: string): void {
  dirs.add(dir);
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Kills every tracked process and removes every tracked folder. */
export function releaseAll(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  pids.clear();
  for (const dir of [...dirs]) removeDir(dir);
}

export function releaseOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; stopped the programs and removed the dumps.`);
      releaseAll();
      process.exit(130);
    });
  }
}
