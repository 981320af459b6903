// `npm run bench` (scripts/bench.js bundles and runs this): describes the machine, builds what it needs, measures
// each heap size, then prints the table and writes bench/results.json and BENCHMARKS.md. Exits 1 when a size
// could not be measured or an answer was wrong, 2 on a usage error.
import * as fs from 'fs';
import * as path from 'path';
import { buildGenerator, buildProgram, ensureAgent } from './builds';
import { releaseAll, releaseOnSignals } from './cleanup';
import { findDotnetDump } from './dotnetDump';
import { formatBytes, formatCount } from './format';
import { describeBuild, describeMachine, loadAverage } from './machine';
import { renderMarkdown } from './markdown';
import { parseOptions, runsFor, USAGE, UsageError } from './options';
import { BenchResults, SizeResult } from './results';
import { benchSize } from './sizeRun';
import { renderTable } from './table';
import { benchViews } from './viewsRun';
import { benchSampling, SamplingResult } from './samplingRun';

/** The repository root: the nearest folder above with package.json and agent/ (the bundle runs from out/bench). */
function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'agent'))) return dir;
  }
  throw new Error(`No HeapLens repository above ${__dirname}.`);
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bench: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  releaseOnSignals();
  const root = repoRoot();
  const started = new Date();
  const machine = describeMachine();
  console.log(
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${formatBytes(machine.memoryBytes)}; load average ${machine.loadAverageAtStart.join(', ')}.`,
  );
  console.log('Building bench/HeapShapes (and the agent, if dist/agent is missing)…');
  const agentPath = await ensureAgent(root);
  const generatorDll = await buildGenerator(root);
  const viewsDll = options.viewsTypes ? await buildProgram(root, 'ManyTypes') : undefined;
  const build = describeBuild(root, agentPath);
  const comparison = await findDotnetDump();
  console.log(comparison.available ? `Comparing with ${comparison.command} ${comparison.version ?? ''}.` : `No comparison with dotnet-dump: ${comparison.reason}.`);

  const sizes: SizeResult[] = [];
  const errors: string[] = [];
  const runsPerSize: Record<string, number> = {};
  for (const objects of options.sizes) {
    const runs = runsFor(objects, options);
    runsPerSize[objects] = runs;
    try {
      sizes.push(await benchSize(objects, { root, agentPath, generatorDll, runs, comparison, toolTimeoutMs: options.toolTimeoutMs, verbose: options.verbose }));
    } catch (err) {
      const message = `${formatCount(objects)} objects: ${(err as Error).message}`;
      errors.push(message);
      console.error(`bench: ${message}`);
    }
  }

  let views;
  if (viewsDll) {
    try {
      views = await benchViews({ agentPath, dll: viewsDll, types: options.viewsTypes, items: options.viewsItems, runs: 3, verbose: options.verbose });
    } catch (err) {
      const message = `the views at scale: ${(err as Error).message}`;
      errors.push(message);
      console.error(`bench: ${message}`);
    }
  }

  // What allocation sampling (heaplens allocations) costs a CPU-bound target.
  let sampling: SamplingResult | undefined;
  if (options.sampling) {
    try {
      sampling = await benchSampling({ agentPath, dll: await buildProgram(root, 'AllocationLoad') });
      console.log(
        `Allocation sampling: a round of bench/AllocationLoad took ${sampling.baselineMsPerRound} ms without and ${sampling.sampledMsPerRound} ms with sampling (median of ${2 * sampling.roundsPerPhase} rounds each): ×${sampling.slowdown}; ${sampling.samples} samples (${sampling.sampling}).`,
      );
    } catch (err) {
      const message = `allocation sampling: ${(err as Error).message}`;
      errors.push(message);
      console.error(`bench: ${message}`);
    }
  }

  const finished = new Date();
  const results: BenchResults = {
    schema: 1,
    mode: options.mode,
    note: options.note,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    runsPerSize,
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    build,
    comparison,
    sizes,
    views,
    sampling,
    errors,
  };
  const resultsFile = path.join(root, 'bench', 'results.json');
  // --sampling-only measures no heap: the results of the last full run stay.
  if (options.sizes.length === 0) return errors.length ? 1 : 0;
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
  console.log('');
  if (sizes.length) console.log(renderTable(results).join('\n'));
  console.log(`\nWrote ${path.relative(root, resultsFile)}.`);
  if (options.writeMarkdown && sizes.length) {
    fs.writeFileSync(path.join(root, 'BENCHMARKS.md'), renderMarkdown(results));
    console.log('Wrote BENCHMARKS.md.');
  }
  const wrong = sizes.some((s) => s.failures.length > 0) || (views?.failures.length ?? 0) > 0;
  if (wrong) console.error('bench: some answers were wrong (see above): these timings are not results.');
  return errors.length || wrong ? 1 : 0;
}

main()
  .then((code) => {
    releaseAll();
    process.exit(code);
  })
  .catch((err: Error) => {
    releaseAll();
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
