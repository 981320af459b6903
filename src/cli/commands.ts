// Runs one parsed command: gets its result (from the runtime or the agent) and how people read it.
// The result object is the --json output as is: these shapes are the CLI's public contract (see usage.ts).
import * as fs from 'fs';
import * as path from 'path';
import { captureHeap } from '../agent/collectGarbage';
import { listDotnetProcesses } from '../diagnostics/processes';
import { CliRequest } from './args';
import { CliFailure } from './failure';
import { runDiff } from './gate';
import { runInspect } from './inspect';
import { runMonitor } from './monitor';
import { runAllocations } from './allocations';
import { renderCapture, renderDominators, renderInstances, renderLayout, renderObject, renderProcesses, renderStats } from './render';
import { renderRetentionGroups, renderRetentionPaths } from './retentionText';
import { Session } from './session';
import { Cancellation } from '../common/async';
import { Progress } from './progress';

export interface CommandContext {
  session: Session;
  cancellation: Cancellation;
  progress: Progress;
  /** For default file names; tests pass a fixed clock. */
  now?: () => Date;
  cwd?: string;
  /** Prints one line of output now (streaming commands). */
  out: (line: string) => void;
}

export interface CommandResult {
  json: unknown;
  text: string[];
  /** Lines for stderr after the result (warnings, a failed leak gate), each printed after "heaplens: ". */
  messages?: string[];
  /** Set when the command succeeded but must not exit 0 (a failed leak gate: ExitCode.gate). */
  exitCode?: number;
  /** The command printed its output itself, line by line, as it came (monitor). */
  streamed?: boolean;
}

type Runnable = Exclude<CliRequest, { command: 'help' } | { command: 'version' }>;

export async function runCommand(request: Runnable, ctx: CommandContext): Promise<CommandResult> {
  switch (request.command) {
    case 'ps': {
      ctx.progress.update('Looking for .NET processes…');
      const found = await listDotnetProcesses();
      return {
        json: found.map((p) => ({ pid: p.pid, commandLine: p.commandLine, runtimeVersion: p.runtimeVersion })),
        text: renderProcesses(found),
      };
    }
    case 'capture': {
      const out = request.out ?? defaultDumpPath(request.pid, ctx.cwd ?? process.cwd(), (ctx.now ?? (() => new Date()))());
      ctx.progress.update(request.collect ? `Collecting garbage in process ${request.pid}, then capturing it…` : `Capturing process ${request.pid}…`);
      const result = await captureHeap(() => ctx.session.client(), request.pid, {
        path: out,
        kind: request.full ? 'full' : 'withHeap',
        collect: request.collect,
        timeoutMs: request.timeoutMs,
        cancellation: ctx.cancellation,
      });
      return { json: { path: result.path, bytes: result.bytes, ms: result.ms, collected: result.collected !== undefined }, text: renderCapture(result) };
    }
    case 'stats': {
      const snapshot = await ctx.session.open(request.dump);
      ctx.progress.update('Counting objects per type and what each retains…');
      const stats = await ctx.session
        .client()
        .stats({ snapshotId: snapshot.snapshotId, top: request.top, sort: request.sort, all: request.all || undefined }, { cancellation: ctx.cancellation });
      // totalTypes is for paging UIs: the documented --json shape is { objects, bytes, free, unreachable, types }.
      return {
        json: { objects: stats.objects, bytes: stats.bytes, free: stats.free, unreachable: stats.unreachable, types: stats.types },
        text: renderStats(stats, request.all),
      };
    }
    case 'diff':
      return runDiff(request, ctx);
    case 'inspect':
      return runInspect(request, ctx);
    case 'heap': {
      const snapshot = await ctx.session.open(request.dump);
      const layout = await ctx.session.client().layout(snapshot.snapshotId, { cancellation: ctx.cancellation });
      return { json: layout, text: renderLayout(layout) };
    }
    case 'instances': {
      const snapshot = await ctx.session.open(request.dump);
      ctx.progress.update(`Finding instances of ${request.type}…`);
      const found = await ctx.session
        .client()
        .instances({ snapshotId: snapshot.snapshotId, type: request.type, limit: request.limit, all: request.all || undefined }, { cancellation: ctx.cancellation });
      return { json: found, text: renderInstances(found) };
    }
    case 'object': {
      const snapshot = await ctx.session.open(request.dump);
      const obj = await ctx.session.client().object({ snapshotId: snapshot.snapshotId, address: request.address }, { cancellation: ctx.cancellation });
      return { json: obj, text: renderObject(obj) };
    }
    case 'monitor':
      return runMonitor(request, ctx);
    case 'allocations':
      return runAllocations(request, ctx);
    case 'roots': {
      const snapshot = await ctx.session.open(request.dump);
      if (request.group) {
        ctx.progress.update('Grouping the retention paths of every instance…');
        const groups = await ctx.session.client().retentionGroups({ snapshotId: snapshot.snapshotId, type: request.type!, max: request.max }, { cancellation: ctx.cancellation });
        return { json: groups, text: renderRetentionGroups(groups) };
      }
      ctx.progress.update('Tracing retention paths…');
      const paths = await ctx.session
        .client()
        .roots({ snapshotId: snapshot.snapshotId, type: request.type, address: request.address, max: request.max, ...(request.json ? { full: true } : {}) }, { cancellation: ctx.cancellation });
      return { json: paths, text: renderRetentionPaths(paths, request.type ?? request.address!) };
    }
    case 'dominators': {
      const snapshot = await ctx.session.open(request.dump);
      ctx.progress.update('Building the dominator tree…');
      const result = await ctx.session.client().dominators({ snapshotId: snapshot.snapshotId, top: request.top, address: request.address }, { cancellation: ctx.cancellation });
      // total is for paging UIs: the documented --json shape is { liveObjects, liveBytes, items }.
      return { json: { liveObjects: result.liveObjects, liveBytes: result.liveBytes, items: result.items }, text: renderDominators(result, request.address) };
    }
  }
}

/** ./heaplens-dumps/dump-<pid>-<yyyymmdd-hhmmss>.dmp; the folder is made private (0700) when we create it. */
export function defaultDumpPath(pid: number, cwd: string, now: Date): string {
  const dir = path.join(cwd, 'heaplens-dumps');
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new CliFailure(`Cannot create ${dir} for the dump (${(err as NodeJS.ErrnoException).code}): choose a destination with --out.`);
    }
  }
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  // Two captures in the same second must not overwrite each other.
  for (let n = 1; ; n++) {
    const file = path.join(dir, `dump-${pid}-${stamp}${n > 1 ? `-${n}` : ''}.dmp`);
    if (!fs.existsSync(file)) return file;
  }
}
