// The benchmark for one heap size: builds the heap, snapshots it several times (capture time and size), lets it
// grow and snapshots it once more (for the diff), then runs a fresh agent session on the same two dumps in each
// run, beside the page-cache read and dotnet-dump on the same dump. The dumps live in a private folder (0700,
// files 0600) that is removed at the end, however the run ends.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeDump } from '../../src/diagnostics/dump';
import { indexCachePath } from '../../src/snapshots/indexCache';
import { timeAgentSession } from './agentSession';
import { Verdicts } from './checks';
import { timeCliRuns } from './cliRuns';
import { removeDir, trackDir } from './cleanup';
import { timeSosCommand } from './dotnetDump';
import { HeapGenerator } from './generator';
import { timeCachedRead, warmPageCache } from './pageCache';
import { Comparison, MEASURES, MeasureId, RunSample, SizeResult, Summary } from './results';
import { summarize } from './summary';

export interface SizeContext {
  root: string;
  agentPath: string;
  generatorDll: string;
  runs: number;
  comparison: Comparison;
  toolTimeoutMs: number;
  verbose: boolean;
}

const UNITS: Record<MeasureId, Summary['unit']> = Object.fromEntries(
  MEASURES.map((m) => [m, m.endsWith('Bytes') ? 'bytes' : m.endsWith('PerObject') ? 'bytes/object' : /Vs/.test(m) ? 'ratio' : 'ms']),
) as Record<MeasureId, Summary['unit']>;

export async function benchSize(objects: number, ctx: SizeContext): Promise<SizeResult> {
  const millions = objects / 1_000_000;
  const captureTimeoutMs = 120_000 + millions * 60_000;
  const requestTimeoutMs = 300_000 + millions * 90_000;
  const label = objects.toLocaleString('en-US');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-bench-'));
  fs.chmodSync(dir, 0o700);
  trackDir(dir);
  try {
    console.log(`\n${label} objects: building the heap (bench/HeapShapes)…`);
    const { generator, plan } = await HeapGenerator.start(ctx.generatorDll, objects);
    const captures: Array<{ ms: number; bytes: number }> = [];
    let before = '';
    let after = '';
    let planAfter;
    try {
      for (let r = 1; r <= ctx.runs; r++) {
        const dump = await writeDump(generator.pid, { path: path.join(dir, `before-${r}.dmp`), timeoutMs: captureTimeoutMs });
        if (before) fs.rmSync(before, { force: true });
        before = dump.path;
        captures.push({ ms: dump.ms, bytes: dump.bytes });
        console.log(`  capture ${r}/${ctx.runs}: ${mb(dump.bytes)} in ${seconds(dump.ms)}`);
      }
      planAfter = await generator.grow();
      after = (await writeDump(generator.pid, { path: path.join(dir, 'after.dmp'), timeoutMs: captureTimeoutMs })).path;
    } finally {
      await generator.stop();
    }

    const runs: RunSample[] = [];
    const verdicts = new Verdicts();
    let identity: Pick<SizeResult, 'objects' | 'bytes' | 'runtimeVersion' | 'biggestType' | 'deepAddress'> | undefined;
    for (let r = 1; r <= ctx.runs; r++) {
      const sample: RunSample = { run: r, values: { captureMs: captures[r - 1].ms, dumpBytes: captures[r - 1].bytes }, failures: [], notes: [] };
      runs.push(sample);
      try {
        const catMs = await timeCachedRead(before, captureTimeoutMs);
        await warmPageCache(after, captureTimeoutMs);
        // Every run opens the dumps for the first time: no index cache from the run before.
        for (const dump of [before, after]) fs.rmSync(indexCachePath(dump), { force: true });
        const session = await timeAgentSession({ agentPath: ctx.agentPath, before, after, plan, planAfter, requestTimeoutMs, verbose: ctx.verbose });
        Object.assign(sample.values, session.values, {
          catMs,
          openPlusStatsVsCat: session.values.openPlusStatsMs! / catMs,
          statsVsCat: session.values.statsMs! / catMs,
        });
        sample.failures.push(...session.verdicts.failures);
        if (r === 1) verdicts.checked.push(...session.verdicts.checked);
        identity ??= {
          objects: session.info.objects,
          bytes: session.info.bytes,
          runtimeVersion: session.info.runtimeVersion,
          biggestType: session.biggestType,
          deepAddress: session.deepAddress,
        };
        Object.assign(sample.values, await timeCliRuns(ctx.root, before, session.deepAddress, requestTimeoutMs));
        if (ctx.comparison.available) await compare(ctx, before, session.deepAddress, plan.deepType, sample);
      } catch (err) {
        sample.failures.push(`run ${r} stopped: ${(err as Error).message}`);
      }
      console.log(`  run ${r}/${ctx.runs}: ${describeRun(sample)}`);
    }
    if (!identity) throw new Error(`No run on ${label} objects got through the agent session:\n  ${runs.flatMap((r) => r.failures).join('\n  ')}`);

    const measures: SizeResult['measures'] = {};
    for (const m of MEASURES) {
      const summary = summarize(
        runs.map((r) => r.values[m]).filter((v): v is number => v !== undefined),
        UNITS[m],
      );
      if (summary) measures[m] = summary;
    }
    return {
      requested: objects,
      plan,
      planAfterGrow: planAfter,
      ...identity,
      afterGrowDumpBytes: fs.statSync(after).size,
      captures: captures.length,
      runs,
      measures,
      checked: verdicts.checked,
      failures: [...new Set(runs.flatMap((r) => r.failures))],
    };
  } finally {
    removeDir(dir);
  }
}

/** SOS on the same dump: dumpheap -stat, and gcroot of the same deep object. */
async function compare(ctx: SizeContext, dump: string, deepAddress: string, deepType: string, sample: RunSample): Promise<void> {
  const command = ctx.comparison.command!;
  const v = sample.values;
  try {
    const stat = await timeSosCommand(command, dump, 'dumpheap -stat', ctx.toolTimeoutMs);
    v.dotnetDumpStatMs = stat.ms;
    // Both sides open the dump: dotnet-dump's time includes loading it, the agent's includes building its index.
    if (v.openPlusStatsMs) v.dotnetDumpStatVsAgent = stat.ms / v.openPlusStatsMs;
    if (v.cliStatsMs) v.dotnetDumpStatVsCli = stat.ms / v.cliStatsMs;
    if (!stat.output.includes(deepType)) sample.notes.push(`dotnet-dump's dumpheap -stat does not list ${deepType}`);
  } catch (err) {
    sample.notes.push((err as Error).message);
  }
  try {
    const root = await timeSosCommand(command, dump, `gcroot ${deepAddress}`, ctx.toolTimeoutMs);
    v.dotnetDumpGcrootMs = root.ms;
    if (v.openMs && v.firstPathMs) v.dotnetDumpGcrootVsAgent = root.ms / (v.openMs + v.firstPathMs);
    if (v.cliRootsMs) v.dotnetDumpGcrootVsCli = root.ms / v.cliRootsMs;
  } catch (err) {
    sample.notes.push((err as Error).message);
  }
}

function describeRun(sample: RunSample): string {
  const v = sample.values;
  const parts = [
    v.openMs !== undefined && `open ${seconds(v.openMs)}`,
    v.statsMs !== undefined && `stats ${seconds(v.statsMs)}`,
    v.firstPathMs !== undefined && `first path ${seconds(v.firstPathMs)}`,
    v.tenPathsMs !== undefined && `10 paths ${seconds(v.tenPathsMs)}`,
    v.diffMs !== undefined && `diff ${seconds(v.diffMs)}`,
    v.agentOpenPrivateBytesPerObject !== undefined && `private ${v.agentOpenPrivateBytesPerObject.toFixed(1)} B/object at open`,
    v.agentPrivateBytesPerObject !== undefined && `${v.agentPrivateBytesPerObject.toFixed(1)} B/object with the dominator tree`,
    v.agentPeakRssBytes !== undefined && `peak RSS ${mb(v.agentPeakRssBytes)}`,
    v.cliStatsMs !== undefined && `heaplens stats ${seconds(v.cliStatsMs)} (cached ${seconds(v.cliStatsReopenMs ?? NaN)})`,
    v.cliRootsMs !== undefined && `heaplens roots ${seconds(v.cliRootsMs)}`,
    v.dotnetDumpStatMs !== undefined && `dotnet-dump stat ${seconds(v.dotnetDumpStatMs)}`,
    v.dotnetDumpGcrootMs !== undefined && `gcroot ${seconds(v.dotnetDumpGcrootMs)}`,
  ].filter(Boolean);
  const problems = [...sample.failures, ...sample.notes];
  return `${parts.join(', ')}${problems.length ? `\n    ${problems.join('\n    ')}` : ''}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}
