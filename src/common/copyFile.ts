// Copies a (possibly multi-GB) dump without blocking the event loop (the inline debug adapter runs in the extension
// host), owner-only, reporting progress and stopping on cancel. The copy is written beside the target and renamed
// into place, so a cancelled or failed copy leaves nothing at the target.
import * as fs from 'fs';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { Cancellation, CancelledError } from './async';

export interface CopyOptions {
  /** Called with the bytes copied so far and the total, at most every `progressStepBytes` (and at the end). */
  onProgress?: (copied: number, total: number) => void;
  progressStepBytes?: number;
  cancellation?: Cancellation;
}

/** Copies `from` to `to` (mode 0600) and returns the bytes copied. */
export async function copyFileWithProgress(from: string, to: string, options: CopyOptions = {}): Promise<number> {
  const total = (await fs.promises.stat(from)).size;
  const step = options.progressStepBytes ?? Math.max(1, Math.ceil(total / 100));
  const partial = path.join(path.dirname(to), `.${path.basename(to)}.partial-${process.pid}`);
  let copied = 0;
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      copied += chunk.length;
      if (copied - reported >= step) {
        reported = copied;
        options.onProgress?.(copied, total);
      }
      done(null, chunk);
    },
  });
  const abort = new AbortController();
  const listener = options.cancellation?.onCancellationRequested(() => abort.abort());
  try {
    if (options.cancellation?.isCancellationRequested) throw new CancelledError('The copy');
    await pipeline(fs.createReadStream(from), counter, fs.createWriteStream(partial, { mode: 0o600, flags: 'wx' }), { signal: abort.signal });
    await fs.promises.chmod(partial, 0o600);
    await fs.promises.rename(partial, to);
  } catch (err) {
    await fs.promises.rm(partial, { force: true });
    if (abort.signal.aborted) throw new CancelledError('The copy');
    throw err;
  } finally {
    listener?.dispose();
  }
  if (reported !== copied) options.onProgress?.(copied, total);
  return copied;
}
