// Waiting helpers: every wait in HeapLens has a timeout and can be cancelled.

/** A cancellation signal that the core understands without VS Code (the extension adapts its token to this). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export class CancelledError extends Error {
  constructor(what = 'The operation') {
    super(`${what} was cancelled.`);
    this.name = 'CancelledError';
  }
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** A Cancellation that a caller controls, e.g. from SIGINT in the CLI. */
export class CancellationSource implements Cancellation {
  private listeners = new Set<() => void>();
  private cancelled = false;

  get isCancellationRequested(): boolean {
    return this.cancelled;
  }

  onCancellationRequested(listener: () => void): { dispose(): void } {
    if (this.cancelled) {
      queueMicrotask(listener);
      return { dispose: () => undefined };
    }
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}

/**
 * Races `work` against a timeout and an optional cancellation. `onAbandon` runs when the timeout or the
 * cancellation wins, so the caller can close the socket or kill the process it was waiting on.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  timeoutMessage: string,
  cancellation?: Cancellation,
  onAbandon?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let subscription: { dispose(): void } | undefined;
  const abandon = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onAbandon?.();
      reject(new TimeoutError(timeoutMessage));
    }, ms);
    if (cancellation) {
      if (cancellation.isCancellationRequested) {
        onAbandon?.();
        reject(new CancelledError());
        return;
      }
      subscription = cancellation.onCancellationRequested(() => {
        onAbandon?.();
        reject(new CancelledError());
      });
    }
  });
  try {
    return await Promise.race([work, abandon]);
  } finally {
    if (timer) clearTimeout(timer);
    subscription?.dispose();
  }
}
