// Runs opens one after another: each open reads a whole dump and builds an index as large as a good part of it, so
// twenty opens at once would need twenty indexes' worth of memory at the same moment. A waiter that is cancelled
// leaves the queue without running.
import { Cancellation, CancelledError } from '../common/async';

export class OpenQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** How many opens are queued or running. */
  get length(): number {
    return this.waiting;
  }

  run<T>(work: () => Promise<T>, cancellation?: Cancellation): Promise<T> {
    this.waiting++;
    const previous = this.tail;
    const result = (async () => {
      try {
        await waitOrCancel(previous, cancellation);
        if (cancellation?.isCancellationRequested) throw new CancelledError();
        return await work();
      } finally {
        this.waiting--;
      }
    })();
    // The next open starts when this one has run (or left the queue), never before the one ahead of it.
    this.tail = Promise.all([previous.catch(() => undefined), result.catch(() => undefined)]);
    return result;
  }
}

function waitOrCancel(previous: Promise<unknown>, cancellation?: Cancellation): Promise<void> {
  const done = previous.then(
    () => undefined,
    () => undefined,
  );
  if (!cancellation) return done;
  return new Promise<void>((resolve, reject) => {
    const subscription = cancellation.onCancellationRequested(() => reject(new CancelledError()));
    void done.then(() => {
      subscription.dispose();
      resolve();
    });
  });
}
