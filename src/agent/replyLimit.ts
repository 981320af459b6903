// A size limit on what the extension or the CLI reads from the agent: vscode-jsonrpc's reader buffers a message of
// any announced Content-Length, so one huge reply would take the extension host's memory with it. This stream sits
// between the agent's stdout and the reader. Frames within the limit pass through untouched; a larger frame is
// dropped as it arrives (never buffered) and replaced by an error reply to the same request, which the caller sees
// as an AgentError with code ReplyTooLarge and a message that says what to do.
import { Transform, TransformCallback } from 'stream';
import { AgentErrorCode } from '../protocol/agent';

/** Default limit: well above the agent's own (64 MB), so it only catches what the agent failed to bound. */
export const DEFAULT_MAX_REPLY_BYTES = 128 * 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
const MAX_HEADER_BYTES = 8 * 1024;
/** Enough of a dropped frame's start to find its id: the agent writes `{"jsonrpc":"2.0","id":…` first. */
const ID_PREFIX_BYTES = 256;

export class ReplySizeLimit extends Transform {
  private header = Buffer.alloc(0);
  /** Bytes of the current body still to pass (or to drop). */
  private remaining = 0;
  private dropping: { bytes: number; prefix: Buffer } | undefined;

  constructor(
    readonly maxBytes = DEFAULT_MAX_REPLY_BYTES,
    private readonly onDropped?: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      let data = chunk;
      while (data.length > 0) {
        if (this.remaining > 0) {
          const n = Math.min(this.remaining, data.length);
          if (this.dropping) {
            if (this.dropping.prefix.length < ID_PREFIX_BYTES) this.dropping.prefix = Buffer.concat([this.dropping.prefix, data.subarray(0, Math.min(n, ID_PREFIX_BYTES))]);
          } else {
            this.push(data.subarray(0, n));
          }
          this.remaining -= n;
          data = data.subarray(n);
          if (this.remaining === 0 && this.dropping) this.replaceDropped();
          continue;
        }
        this.header = Buffer.concat([this.header, data]);
        const end = this.header.indexOf(HEADER_END);
        if (end < 0) {
          if (this.header.length > MAX_HEADER_BYTES) throw new Error('The HeapLens agent wrote something that is not a JSON-RPC frame header.');
          return done();
        }
        const headerText = this.header.subarray(0, end).toString('ascii');
        data = this.header.subarray(end + HEADER_END.length);
        this.header = Buffer.alloc(0);
        const length = Number(/content-length:\s*(\d+)/i.exec(headerText)?.[1]);
        if (!Number.isFinite(length)) throw new Error('The HeapLens agent wrote a frame without a Content-Length.');
        this.remaining = length;
        if (length > this.maxBytes) {
          this.dropping = { bytes: length, prefix: Buffer.alloc(0) };
        } else {
          this.push(Buffer.from(`${headerText}\r\n\r\n`, 'ascii'));
          if (length === 0) continue;
        }
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** Sends, in place of the dropped frame, an error reply to the request it answered. */
  private replaceDropped(): void {
    const { bytes, prefix } = this.dropping!;
    this.dropping = undefined;
    this.onDropped?.(bytes);
    const id = /"id"\s*:\s*(\d+|"(?:[^"\\]|\\.)*")/.exec(prefix.toString('utf8'))?.[1];
    if (id === undefined) return; // a notification (progress): nothing waits for it
    const mb = (n: number) => (n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${Math.ceil(n / (1024 * 1024))} MB`);
    const body = Buffer.from(
      JSON.stringify({
        jsonrpc: '2.0',
        id: JSON.parse(id) as number | string,
        error: {
          code: AgentErrorCode.ReplyTooLarge,
          message: `The HeapLens agent's answer was ${mb(bytes)}, more than the ${mb(this.maxBytes)} HeapLens reads at once, so it was dropped: ask for less (fewer paths or instances, a smaller page).`,
        },
      }),
      'utf8',
    );
    this.push(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }
}
