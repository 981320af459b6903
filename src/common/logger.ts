// The logging seam of the core: the extension passes a LogOutputChannel, the CLI writes to stderr when --verbose.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Verbose detail: the agent's stderr, wire traffic. */
  trace(message: string): void;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  trace: () => undefined,
};
