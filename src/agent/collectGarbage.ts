// Collect before capture: asks the agent to induce a full blocking GC in a running process through an EventPipe
// session (src/protocol/agent.ts `process/collect`), then writes the dump, so the snapshot holds live objects only,
// as dotnet-gcdump and Visual Studio do. Failures become CaptureErrors with the same wording as a failed dump.
import * as fs from 'fs';
import * as path from 'path';
import { Cancellation } from '../common/async';
import { DEFAULT_DUMP_TIMEOUT_MS, DumpResult, locateServer, writeDump, WriteDumpOptions } from '../diagnostics/dump';
import { CollectResult } from '../protocol/agent';
import { AgentClient } from './agentClient';
import { explainTargetError } from './targetErrors';

/** How long the induced GC may take when the caller sets no limit: far more than any real GC needs. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 30_000;

export interface CollectOptions {
  timeoutMs?: number;
  cancellation?: Cancellation;
}

/** Runs a full blocking GC in process `pid` and waits for it to end. */
export async function collectGarbage(agent: AgentClient, pid: number, options: CollectOptions = {}): Promise<CollectResult> {
  const socketPath = locateServer(pid);
  const timeoutMs = options.timeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  try {
    // The agent bounds every step by timeoutMs; our own limit only catches an agent that stopped answering.
    return await agent.collect({ pid, socketPath, timeoutMs }, { cancellation: options.cancellation, timeoutMs: timeoutMs + 10_000 });
  } catch (err) {
    throw explainTargetError(err, pid, 'collect garbage', 'Try again, or capture without collecting first (--no-gc).');
  }
}

export interface CollectedDump extends DumpResult {
  /** The induced GC, or undefined when the dump was written without one. */
  collected?: CollectResult;
}

/**
 * Writes a dump of `pid`, after a full GC unless `collect` is false. The GC and the dump each get the timeout.
 * `agent` is asked for lazily, so a capture without a GC starts no agent.
 */
export async function captureHeap(agent: () => AgentClient, pid: number, options: WriteDumpOptions & { collect: boolean }): Promise<CollectedDump> {
  const started = Date.now();
  // A destination that cannot take the dump fails before the process pays for a GC (writeDump says why).
  if (options.collect && !writableFolder(path.dirname(path.resolve(options.path)))) return writeDump(pid, options);
  const collected = options.collect
    ? await collectGarbage(agent(), pid, { timeoutMs: options.timeoutMs ?? DEFAULT_DUMP_TIMEOUT_MS, cancellation: options.cancellation })
    : undefined;
  const dump = await writeDump(pid, options);
  return { ...dump, ms: Date.now() - started, collected };
}

function writableFolder(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
