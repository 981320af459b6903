// Presents a snapshot's threads and stack frames the way the Call Stack view expects: the main thread first,
// frames with source as normal frames, frames without source (framework code, no PDB) marked subtle, and runtime
// frames ("[Native Frames]", stubs) as labels.
import { StackFrame, Source, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'path';
import type { StackFrameInfo, ThreadInfo } from '../protocol/agent';

export function threadName(thread: ThreadInfo): string {
  const label = thread.name || (thread.isMain ? 'Main Thread' : thread.isFinalizer ? 'Finalizer' : 'Thread');
  return `${label} #${thread.managedId}`;
}

export function toThread(thread: ThreadInfo): Thread {
  return new Thread(thread.managedId, threadName(thread));
}

/**
 * The frames the Call Stack shows for a thread. A thread that is throwing shows the exception's own stack trace
 * when its current stack has no frame with source (the runtime may already be in its dispatch code).
 */
export function framesOf(thread: ThreadInfo): StackFrameInfo[] {
  const hasSource = (frames: StackFrameInfo[]) => frames.some((f) => f.file && f.line);
  if (thread.exception && !hasSource(thread.frames) && hasSource(thread.exception.frames)) return thread.exception.frames;
  return thread.frames;
}

export function toStackFrame(id: number, frame: StackFrameInfo, convertLine: (line: number) => number): DebugProtocol.StackFrame {
  const source = frame.file ? new Source(path.basename(frame.file), frame.file) : undefined;
  const result: DebugProtocol.StackFrame = new StackFrame(id, frame.method, source, frame.file && frame.line ? convertLine(frame.line) : 0, frame.file ? 1 : 0);
  if (frame.kind === 'runtime') result.presentationHint = 'label';
  else if (!frame.file || !frame.line) result.presentationHint = 'subtle';
  result.instructionPointerReference = frame.ip;
  return result;
}

/** An exception's stack trace as .NET prints it: "   at Method in file:line N". */
export function formatStackTrace(frames: StackFrameInfo[]): string {
  return frames.map((f) => `   at ${f.method}${f.file && f.line ? ` in ${f.file}:line ${f.line}` : ''}`).join('\n');
}
