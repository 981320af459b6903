// What a failed EventPipe request to a running process means for the user: the agent's TargetTimedOut and
// TargetUnreachable errors become CaptureErrors that name the process and say what to do.
import { CaptureError } from '../diagnostics/captureError';
import { stoppedHint } from '../diagnostics/failures';
import { processExists } from '../diagnostics/procfs';
import { AgentErrorCode } from '../protocol/agent';
import { AgentError } from './agentClient';

/** `action` is what was asked ("collect garbage", "start an event session"); `advice` follows a timeout. */
export function explainTargetError(err: unknown, pid: number, action: string, advice: string): unknown {
  if (!(err instanceof AgentError)) return err;
  if (err.code === AgentErrorCode.TargetTimedOut) return new CaptureError('timeout', `${err.message}${stoppedHint(pid) || ` ${advice}`}`);
  if (err.code === AgentErrorCode.TargetUnreachable) {
    if (!processExists(pid)) return new CaptureError('process-exited', `Process ${pid} exited while it was asked to ${action}; nothing was kept.`);
    return new CaptureError('runtime-error', err.message);
  }
  return err;
}
