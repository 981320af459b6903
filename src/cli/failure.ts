// How a failed command ends: a one-line message on stderr and an exit code (1 failure, 2 usage, 130 interrupted).
// Never a stack trace: every error the CLI can meet is turned into a sentence here.
import { AgentError } from '../agent/agentClient';
import { CancelledError, TimeoutError } from '../common/async';
import { CaptureError, CaptureErrorCode } from '../diagnostics/captureError';
import { UsageError } from './args';

/** A failure the CLI itself detects (missing dump, unreadable file…); its message is already for the user. */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

export const ExitCode = { ok: 0, failure: 1, usage: 2, gate: 3, interrupted: 130 } as const;

export interface Outcome {
  exitCode: number;
  message: string;
}

/** The capture library speaks of destinations and time limits; the CLI names its flags for them. */
const flagHints: Partial<Record<CaptureErrorCode, (message: string) => string | undefined>> = {
  'path-not-writable': () => 'Use --out FILE.',
  timeout: (message) => (/longer timeout/.test(message) ? 'Use --timeout SECONDS.' : undefined),
};

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

export function describeFailure(err: unknown): Outcome {
  if (err instanceof UsageError) return { exitCode: ExitCode.usage, message: oneLine(err.message) };
  if (err instanceof CancelledError || (err instanceof CaptureError && err.code === 'cancelled')) {
    return { exitCode: ExitCode.interrupted, message: 'Interrupted: nothing was kept.' };
  }
  const hint = err instanceof CaptureError ? flagHints[err.code]?.(err.message) : undefined;
  if (hint) return { exitCode: ExitCode.failure, message: `${oneLine((err as CaptureError).message)} ${hint}` };
  if (err instanceof CaptureError || err instanceof CliFailure || err instanceof AgentError || err instanceof TimeoutError) {
    return { exitCode: ExitCode.failure, message: oneLine(err.message) };
  }
  // Anything else is a defect of ours: say so, in one line, and how to see more.
  const text = err instanceof Error ? err.message : String(err);
  return { exitCode: ExitCode.failure, message: `Unexpected error: ${oneLine(text) || 'unknown'} (run with --verbose for the agent's log; please report it).` };
}
