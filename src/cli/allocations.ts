// `heaplens allocations <pid>`: samples the process's allocations for --seconds (default 10) and prints the types
// allocated most, each with the sites that allocated it (the first frame with a source line, its share of the
// type's samples) and the stack down to it.
import { LiveTrace } from '../agent/liveTrace';
import { countOf, formatBytes } from '../common/numbers';
import { AllocationReport } from '../protocol/agent';
import { CliRequest } from './args';
import { CommandContext, CommandResult } from './commands';
import { ExitCode } from './failure';

type AllocationsRequest = Extract<CliRequest, { command: 'allocations' }>;

export const DEFAULT_ALLOCATION_SECONDS = 10;

/** The public --json shape. */
export function allocationsJson(report: AllocationReport): Record<string, unknown> {
  return {
    seconds: report.seconds,
    sampling: report.samplingText,
    samples: report.samples,
    types: report.types.map((t) => ({
      name: t.name,
      samples: t.samples,
      estimatedBytes: t.estimatedBytes,
      sites: t.sites.map((s) => ({ method: s.method, file: s.file, line: s.line, samples: s.samples, share: s.share, stack: s.stack })),
    })),
  };
}

export function allocationsText(report: AllocationReport, top = 20): string[] {
  const lines = [`${countOf(report.samples, 'allocation sample')} in ${report.seconds} s. Sampling: ${report.samplingText}.`];
  if (report.droppedBefore) lines.push(`Samples before ${new Date(report.droppedBefore).toTimeString().slice(0, 8)} were dropped: the agent keeps at most 200,000 (second, type, stack) counts.`);
  if (report.types.length === 0) lines.push('No allocation was sampled: the process allocated little in that time (run it longer with --seconds).');
  for (const t of report.types.slice(0, top)) {
    lines.push('', `${t.name}  ~${formatBytes(t.estimatedBytes)} (estimated)  ${countOf(t.samples, 'sample')}`);
    for (const s of t.sites) {
      const where = s.file ? `${s.file}:${s.line}` : 'no source line';
      lines.push(`  ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.method}  ${where}`);
    }
  }
  return lines;
}

export async function runAllocations(request: AllocationsRequest, ctx: CommandContext): Promise<CommandResult> {
  const seconds = request.seconds ?? DEFAULT_ALLOCATION_SECONDS;
  ctx.progress.update(`Starting an event session with process ${request.pid}…`);
  const trace = await LiveTrace.start(ctx.session.client(), request.pid, { counters: false, allocations: true, cancellation: ctx.cancellation });
  ctx.progress.update(`Sampling the allocations of process ${request.pid} for ${seconds} s…`);
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<'elapsed'>((resolve) => (timer = setTimeout(() => resolve('elapsed'), seconds * 1000)));
  const outcome = await Promise.race([elapsed, trace.ended]);
  clearTimeout(timer);
  // The samples stay readable after the process exited; read them before stopping.
  const report = await trace.allocations({ type: request.type, topTypes: request.json ? 50 : 20 }, ctx.cancellation);
  await trace.stop();
  const messages = outcome === 'elapsed' ? [] : [`${outcome.message} Sampled ${report.seconds} s of the ${seconds} s asked for.`];
  return { json: allocationsJson(report), text: allocationsText(report), messages, exitCode: outcome === 'elapsed' ? undefined : ExitCode.failure };
}
