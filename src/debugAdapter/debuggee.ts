// The program a session debugs, seen as a process: its pid, how it ends, and how to end it. A launched child is
// watched through its exit event; a process we did not start (attached, or run in the terminal) is polled.
import { ChildProcess } from 'child_process';
import { isRunning, thaw } from './freezer';

export interface ExitStatus {
  /** The exit code when known (a process we did not start exits without telling us its code). */
  code?: number;
  signal?: string;
}

export type Ownership = 'launched' | 'attached';

export interface Debuggee {
  readonly pid: number;
  /** Launched processes end with the session; attached ones keep running. */
  readonly ownership: Ownership;
  /** Settles once, when the process has ended. */
  readonly exited: Promise<ExitStatus>;
  readonly hasExited: boolean;
  /** Ends the process: SIGTERM, then SIGKILL after a grace period. Resolves when it is gone (or after 5 s). */
  kill(): Promise<void>;
  /** Writes to the program's stdin; false when we do not own its stdin (attached, or run in a terminal). */
  writeInput(text: string): boolean;
  /** Stops watching; the process itself is left alone. */
  dispose(): void;
}

/** Launched processes still running: if the adapter itself exits, they go with it (as they would on terminate). */
const launched = new Set<number>();
let exitHooked = false;

function endWithAdapter(pid: number): void {
  launched.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const p of launched) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

const TERM_GRACE_MS = 3000;
const GONE_TIMEOUT_MS = 5000;
const POLL_MS = 250;

abstract class DebuggeeBase implements Debuggee {
  abstract readonly pid: number;
  abstract readonly ownership: Ownership;
  abstract readonly exited: Promise<ExitStatus>;
  protected ended = false;

  get hasExited(): boolean {
    return this.ended || !isRunning(this.pid);
  }

  async kill(): Promise<void> {
    if (this.hasExited) return;
    thaw(this.pid); // a frozen process cannot act on SIGTERM
    const send = (sig: NodeJS.Signals) => {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* already gone */
      }
    };
    send('SIGTERM');
    const term = setTimeout(() => send('SIGKILL'), TERM_GRACE_MS);
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((resolve) => (giveUp = setTimeout(resolve, GONE_TIMEOUT_MS)))]);
    clearTimeout(term);
    clearTimeout(giveUp);
  }

  writeInput(_text: string): boolean {
    return false;
  }

  abstract dispose(): void;
}

/** A process this adapter spawned: node tells us its exit code. */
export class ChildDebuggee extends DebuggeeBase {
  readonly ownership = 'launched' as const;
  readonly exited: Promise<ExitStatus>;

  constructor(private readonly child: ChildProcess) {
    super();
    endWithAdapter(child.pid!);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.ended = true;
        launched.delete(child.pid!);
        resolve({ code: code ?? undefined, signal: signal ?? undefined });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  override writeInput(text: string): boolean {
    if (this.ended || !this.child.stdin?.writable) return false;
    this.child.stdin.write(text);
    return true;
  }

  dispose(): void {
    /* node keeps watching its child; nothing to release */
  }
}

/** A process someone else started: polled until it is gone. */
export class WatchedDebuggee extends DebuggeeBase {
  readonly exited: Promise<ExitStatus>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    readonly ownership: Ownership,
  ) {
    super();
    if (ownership === 'launched') endWithAdapter(pid);
    this.exited = new Promise((resolve) => {
      this.timer = setInterval(() => {
        if (isRunning(this.pid)) return;
        this.ended = true;
        launched.delete(pid);
        this.dispose();
        resolve({});
      }, POLL_MS);
    });
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
