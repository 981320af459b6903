// One request, one reply over a runtime's diagnostics socket (the server handles one command per connection).
// Every wait is bounded: a connect timeout, a reply timeout, and an optional cancellation; each closes the socket.
import * as net from 'net';
import { Cancellation } from '../common/async';
import { decodeHeader, decodeReply, HEADER_SIZE, IpcFormatError, IpcReply } from './ipcMessage';

export type TransportFailure =
  /** No socket file at that path. */
  | 'missing'
  /** A socket file with no listener behind it (the process is gone, or a stale file). */
  | 'refused'
  /** The socket belongs to another user. */
  | 'denied'
  | 'connect-timeout'
  | 'reply-timeout'
  /** The server closed or reset the connection before a whole reply arrived. */
  | 'closed'
  | 'malformed'
  | 'cancelled'
  | 'other';

/** A failure of the transport; capture code turns it into a CaptureError that knows about the process. */
export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface RequestOptions {
  connectTimeoutMs?: number;
  replyTimeoutMs?: number;
  cancellation?: Cancellation;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Sends `message` to the server at `socketPath` and resolves with its decoded reply. */
export function sendRequest(socketPath: string, message: Buffer, options: RequestOptions = {}): Promise<IpcReply> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
  return new Promise<IpcReply>((resolve, reject) => {
    if (options.cancellation?.isCancellationRequested) {
      reject(new TransportError('cancelled', 'cancelled before connecting'));
      return;
    }
    const socket = net.createConnection({ path: socketPath });
    let settled = false;
    let received = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined = setTimeout(
      () => fail('connect-timeout', `no connection to ${socketPath} within ${connectTimeoutMs} ms`),
      connectTimeoutMs,
    );
    const subscription = options.cancellation?.onCancellationRequested(() => fail('cancelled', 'cancelled'));

    function finish(): void {
      settled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      subscription?.dispose();
      socket.destroy();
    }
    function fail(failure: TransportFailure, text: string): void {
      if (settled) return;
      finish();
      reject(new TransportError(failure, text));
    }

    socket.once('connect', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => fail('reply-timeout', `no reply within ${replyTimeoutMs} ms`), replyTimeoutMs);
      socket.write(message);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < HEADER_SIZE) return;
      try {
        const header = decodeHeader(received);
        if (received.length < header.size) return;
        const reply = decodeReply(received.subarray(0, header.size));
        if (settled) return;
        finish();
        resolve(reply);
      } catch (err) {
        fail('malformed', err instanceof IpcFormatError ? err.message : String(err));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      switch (err.code) {
        case 'ENOENT':
          return fail('missing', `no socket at ${socketPath}`);
        case 'ECONNREFUSED':
          return fail('refused', `nothing listens on ${socketPath}`);
        case 'EACCES':
        case 'EPERM':
          return fail('denied', `permission denied on ${socketPath}`);
        case 'ECONNRESET':
        case 'EPIPE':
          return fail('closed', `connection reset (${err.code})`);
        default:
          return fail('other', err.message);
      }
    });
    socket.on('close', () => {
      const got = received.length ? `after ${received.length} of the reply's bytes` : 'without a reply';
      fail('closed', `the connection closed ${got}`);
    });
  });
}
