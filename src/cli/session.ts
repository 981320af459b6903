// What one CLI run holds and must give back: the agent (through an AgentHost, the module that owns agent processes
// everywhere in HeapLens; its memory budget comes from HEAPLENS_AGENT_MEMORY_MB) and the temporary dumps it captured
// for `<dump>` arguments that were pids. dispose() ends both on success, failure and Ctrl-C; disposeNow() is the
// synchronous last resort when the user presses Ctrl-C twice.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AgentClient } from '../agent/agentClient';
import { AgentHost } from '../agent/agentHost';
import { Cancellation } from '../common/async';
import { Logger } from '../common/logger';
import { CaptureError } from '../diagnostics/captureError';
import { checkDumpFile as checkDump, DumpFileError } from '../diagnostics/dumpFileCheck';
import { captureHeap } from './../agent/collectGarbage';
import { SnapshotInfo } from '../protocol/agent';
import { CliFailure } from './failure';
import { Progress } from './progress';

export interface SessionOptions {
  cancellation: Cancellation;
  progress: Progress;
  logger: Logger;
  /** Limit for capturing a pid given as <dump>. */
  captureTimeoutMs?: number;
  /** `--dac-dir` folders, searched for a dump's DAC before the runtimes installed here. */
  dacDirs?: string[];
}

/** Checks that `file` looks like a dump before an agent is started for it; returns its absolute path. */
export function checkDumpFile(file: string): string {
  try {
    return checkDump(file, 'give the path of a dump (from `heaplens capture`) or the pid of a running .NET process');
  } catch (err) {
    throw err instanceof DumpFileError ? new CliFailure(err.message) : err;
  }
}

export class Session {
  private readonly host: AgentHost;
  private readonly tempDirs = new Set<string>();
  private readonly opened = new Set<string>();

  constructor(private readonly options: SessionOptions) {
    // Ctrl-C must not wait for the agent to notice a cancelled request (a long heap walk may not check for
    // a while): kill it, which fails the pending call at once; dispose() then removes the temporary dumps.
    this.host = new AgentHost({
      logger: options.logger,
      agent: { dacSearchPaths: () => (options.dacDirs ?? []).map((d) => path.resolve(d)) },
      onProgress: (p) => options.progress.update(p.percent !== undefined ? `${p.message} ${Math.round(p.percent)}%` : p.message),
    });
    options.cancellation.onCancellationRequested(() => this.killAgent());
  }

  /** The agent, started on first use. */
  client(): AgentClient {
    return this.host.client();
  }

  /** Opens `<dump>`: a dump file, or a pid (all digits, no such file) captured now into a private temp file. */
  async open(dumpOrPid: string): Promise<SnapshotInfo> {
    const file = !fs.existsSync(dumpOrPid) && /^\d+$/.test(dumpOrPid) ? await this.captureTemporary(Number(dumpOrPid)) : checkDumpFile(dumpOrPid);
    this.options.progress.update(`Opening ${path.basename(file)}…`);
    if (!this.opened.has(file)) {
      this.opened.add(file);
      // Commands keep the snapshot ids they were given: nothing of theirs is closed to save memory.
      this.host.acquire(file, { pinned: true });
    }
    return this.host.open(file, this.options.cancellation);
  }

  private async captureTemporary(pid: number): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-cli-'));
    this.tempDirs.add(dir);
    fs.chmodSync(dir, 0o700);
    this.options.progress.update(`Collecting garbage in process ${pid}, then capturing it…`);
    try {
      // Like `heaplens capture`: a full GC first, so the snapshot holds live objects only.
      const result = await captureHeap(() => this.client(), pid, {
        path: path.join(dir, `dump-${pid}.dmp`),
        collect: true,
        timeoutMs: this.options.captureTimeoutMs,
        cancellation: this.options.cancellation,
      });
      return result.path;
    } catch (err) {
      if (err instanceof CaptureError && err.code === 'no-such-process') {
        throw new CliFailure(`No dump file "${pid}" and no process ${pid} is running: give the path of a dump or the pid of a running .NET process.`);
      }
      throw err;
    }
  }

  /** Closes snapshots, stops the agent, deletes temporary dumps. Never throws. */
  async dispose(): Promise<void> {
    if (!this.options.cancellation.isCancellationRequested) {
      for (const file of this.opened) await this.host.release(file).catch(() => undefined);
    }
    this.opened.clear();
    await this.host.dispose().catch(() => undefined);
    this.removeTempDumps();
  }

  /** For a forced exit: kill the agent and delete temporary dumps without waiting for anything. */
  disposeNow(): void {
    this.killAgent();
    this.removeTempDumps();
  }

  private killAgent(): void {
    this.host.kill();
  }

  private removeTempDumps(): void {
    for (const dir of this.tempDirs) fs.rmSync(dir, { recursive: true, force: true });
    this.tempDirs.clear();
  }
}
