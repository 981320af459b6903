// `heaplens monitor <pid>`: the runtime's counters once a second, printed as they come (a line of text, or one
// JSON object a line with --json), until --seconds have passed, the process exits, or Ctrl-C.
import { LiveTrace } from '../agent/liveTrace';
import { countOf, formatBytes } from '../common/numbers';
import { CounterSample } from '../protocol/agent';
import { CliRequest } from './args';
import { CommandContext, CommandResult } from './commands';
import { ExitCode } from './failure';

type MonitorRequest = Extract<CliRequest, { command: 'monitor' }>;

/** The public JSON line: exactly these keys, null for a figure the runtime does not give. */
export function monitorLine(s: CounterSample): Record<string, unknown> {
  return {
    time: new Date(s.time).toISOString(),
    gcHeapBytes: s.gcHeapBytes,
    gen0Bytes: s.gen0Bytes,
    gen1Bytes: s.gen1Bytes,
    gen2Bytes: s.gen2Bytes,
    lohBytes: s.lohBytes,
    pohBytes: s.pohBytes,
    allocatedBytesPerSecond: s.allocatedBytesPerSecond,
    gcCounts: { gen0: s.gcCounts.gen0, gen1: s.gcCounts.gen1, gen2: s.gcCounts.gen2 },
    workingSetBytes: s.workingSetBytes,
  };
}

const bytes = (n: number | null) => (n === null ? '–' : formatBytes(n));
const count = (n: number | null) => (n === null ? '–' : String(n));

export function monitorText(s: CounterSample): string {
  const t = new Date(s.time).toTimeString().slice(0, 8);
  return (
    `${t}  GC heap ${bytes(s.gcHeapBytes)}  (gen0 ${bytes(s.gen0Bytes)}, gen1 ${bytes(s.gen1Bytes)}, gen2 ${bytes(s.gen2Bytes)}, ` +
    `LOH ${bytes(s.lohBytes)}, POH ${bytes(s.pohBytes)})  allocated ${s.allocatedBytesPerSecond === null ? '–' : `${formatBytes(s.allocatedBytesPerSecond)}/s`}  ` +
    `GCs ${count(s.gcCounts.gen0)}/${count(s.gcCounts.gen1)}/${count(s.gcCounts.gen2)}  working set ${bytes(s.workingSetBytes)}`
  );
}

export async function runMonitor(request: MonitorRequest, ctx: CommandContext): Promise<CommandResult> {
  ctx.progress.update(`Starting an event session with process ${request.pid}…`);
  const trace = await LiveTrace.start(ctx.session.client(), request.pid, { counters: true, cancellation: ctx.cancellation });
  ctx.progress.clear();
  let samples = 0;
  const listening = trace.on((event) => {
    if (event.kind !== 'counters') return;
    samples++;
    ctx.out(request.json ? JSON.stringify(monitorLine(event.body)) : monitorText(event.body));
  });
  let timer: NodeJS.Timeout | undefined;
  const elapsed = request.seconds ? new Promise<'elapsed'>((resolve) => (timer = setTimeout(() => resolve('elapsed'), request.seconds! * 1000))) : new Promise<never>(() => undefined);
  const cancelled = new Promise<'cancelled'>((resolve) => ctx.cancellation.onCancellationRequested(() => resolve('cancelled')));
  const outcome = await Promise.race([elapsed, cancelled, trace.ended]);
  clearTimeout(timer);
  listening.dispose();
  if (outcome === 'cancelled') return { json: undefined, text: [], streamed: true, exitCode: ExitCode.interrupted, messages: ['Interrupted: monitoring stopped.'] };
  if (outcome === 'elapsed') {
    await trace.stop();
    return { json: undefined, text: [], streamed: true };
  }
  // The session ended by itself: the process exited, or the stream broke.
  const ended = outcome;
  return { json: undefined, text: [], streamed: true, exitCode: request.seconds ? ExitCode.failure : ExitCode.ok, messages: [`${ended.message} (${countOf(samples, 'sample')})`] };
}
