// The one error type of capture and process discovery: a `code` callers can branch on, and a one-line message
// that says what happened and what to do.

export type CaptureErrorCode =
  /** /proc/<pid> does not exist. */
  | 'no-such-process'
  /** The process runs no .NET runtime (no diagnostics socket, no libcoreclr mapped). */
  | 'not-dotnet'
  /** .NET is loaded but its diagnostics server is off (DOTNET_EnableDiagnostics=0) or its socket is gone. */
  | 'diagnostics-disabled'
  /** The socket exists but may not be opened by this user. */
  | 'permission-denied'
  /** The process ended while the dump was being written. */
  | 'process-exited'
  /** The dump's folder does not exist or cannot be written. */
  | 'path-not-writable'
  /** The runtime answered with an error (its message is relayed). */
  | 'runtime-error'
  /** Something the target's user can change was found where HeapLens must not follow it (a planted socket, a link). */
  | 'unsafe-path'
  /** The reply broke the IPC protocol. */
  | 'protocol-error'
  | 'timeout'
  | 'cancelled';

export class CaptureError extends Error {
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}
