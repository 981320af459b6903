// BENCHMARKS.md, written from the results alone: the machine, the table, the goals, the comparison, the limit.
import { formatBytes, formatCount, formatSummary } from './format';
import { GOAL_OBJECTS, standings } from './goals';
import { BenchResults, ViewsResult } from './results';
import { cell, ROWS } from './rows';

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  const add = (...lines: string[]) => out.push(...lines);
  const sizes = r.sizes.map((s) => `${formatCount(s.requested)} objects`).join(' and ');

  add(
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/harness/markdown.ts) from bench/results.json: change the harness, not this file. -->',
    '',
    'How long HeapLens takes on big heaps, and how much memory its agent needs. `npm run bench` builds a heap of N objects',
    'with `bench/HeapShapes` (a cache dictionary of strings, object graphs with fan-out, an event with many subscribers, a long',
    'chain, arrays of structs; its object graph is drawn at the top of its `Program.cs`), snapshots it, and times each step in',
    'a fresh agent, several runs per size: medians, with the spread (min–max) in brackets. `npm run bench -- --quick` does',
    `${formatCount(1_000_000)} objects only and a smaller views heap; the full run adds ${formatCount(GOAL_OBJECTS)}. Then the views at scale:`,
    'a heap with 50,000 heap types and one type with millions of instances (`bench/ManyTypes`). Run it again, and commit',
    'this file, when performance changes.',
    '',
  );
  if (r.note) add(`> **${r.note}**`, '');
  if (r.errors.length) add('**Not measured:**', '', ...r.errors.map((e) => `- ${e.split('\n')[0]}`), '');

  add(
    '## The run',
    '',
    `- ${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, \`${r.mode}\` mode: ${sizes}, ${Object.entries(r.runsPerSize)
      .map(([n, k]) => `${k} runs at ${formatCount(Number(n))}`)
      .join(', ')}; ${Math.round(r.durationMs / 1000)} s in all.`,
    `- Code: commit \`${r.build.commit}\`${r.build.dirty ? ' with uncommitted changes' : ''}; agent built ${r.build.agentBuiltAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.`,
    `- Machine: ${m.cpuModel}, ${m.cores} cores (\`nproc\`), ${formatBytes(m.memoryBytes)} memory (${formatBytes(m.memoryAvailableBytes)} available at start); ${m.os}, ${m.kernel}.`,
    `- Load average (1, 5, 15 min): ${m.loadAverageAtStart.join(', ')} at start${m.loadAverageAtEnd ? `, ${m.loadAverageAtEnd.join(', ')} at the end` : ''}.`,
    `- .NET runtime ${m.dotnetRuntimes.join(', ') || 'unknown'} (the dumps: ${[...new Set(r.sizes.map((s) => s.runtimeVersion))].join(', ')}); Node ${m.node}.`,
    '',
    '## Results',
    '',
    `| Step | ${r.sizes.map((s) => `${formatCount(s.requested)} objects`).join(' | ')} |`,
    `|---|${r.sizes.map(() => '---:').join('|')}|`,
    ...ROWS.map((row) => `| ${row.label} | ${r.sizes.map((s) => cell(r, s, row.measure)).join(' | ')} |`),
    '',
  );
  for (const s of r.sizes) {
    add(
      `- ${formatCount(s.requested)}: the agent counts ${formatCount(s.objects)} live objects, ${formatBytes(s.bytes)}; the biggest type is \`${s.biggestType}\`; ` +
        `the deep object is the one \`${s.plan.deepType}\`, ${formatCount(s.plan.chainLength)} links from its static root; the 10 paths go to \`${s.plan.pathsType}\`; ` +
        `the second snapshot (after "grow") is ${formatBytes(s.afterGrowDumpBytes)}.`,
    );
  }

  add('', `## Against the goals (${formatCount(GOAL_OBJECTS)} objects, 2 cores)`, '', '| Goal | Limit | Median | Worst run | Where we stand |', '|---|---|---:|---:|---|');
  for (const g of standings(r)) add(`| ${g.goal.what} | ${g.limitText} | ${g.medianText} | ${g.maxText} | ${g.verdict} |`);

  if (r.views) add('', ...viewsSection(r.views));

  add('', '## Beside dotnet-dump (SOS)', '');
  if (r.comparison.available) {
    add(
      `dotnet-dump ${r.comparison.version ?? ''} (\`${r.comparison.command}\`) ran on the same dump in each run, as a user runs it:`,
      '`dotnet-dump analyze <dump> -c "dumpheap -stat" -c exit` and `-c "gcroot <deep object>"`, timed from start to exit. Beside it,',
      'the CLI as a user runs it, also from start to exit: `heaplens stats <dump>` and `heaplens roots <dump> --address <deep>`',
      '(the CLI starts its own agent, opens the dump, answers and stops the agent), first without the index cache, then with',
      'the cache the first run wrote beside the dump. The in-agent rows compare with a warm agent instead.',
    );
  } else {
    add(
      `Not measured here: ${r.comparison.reason}. The harness installs the pinned dotnet-dump itself (test/support/dotnetDump.ts)`,
      'and then runs `dumpheap -stat` and `gcroot` of the deep object on the same dump in the same run.',
    );
  }

  add('', '## The limit: reading the dump once', '');
  for (const s of r.sizes) {
    add(
      `- ${formatCount(s.requested)}: \`cat dump > /dev/null\` from the page cache takes ${formatSummary(s.measures.catMs)}; open + statistics take ` +
        `${formatSummary(s.measures.openPlusStatsVsCat)} that, statistics alone ${formatSummary(s.measures.statsVsCat)} (ratios taken run by run).`,
    );
  }

  add('', '## Checked answers', '');
  for (const s of r.sizes) {
    if (s.failures.length) add(`- ${formatCount(s.requested)} objects: **wrong answers**:`, ...s.failures.map((f) => `  - ${f}`));
    else add(`- ${formatCount(s.requested)} objects: all ${s.checked.length} checks passed:`, ...s.checked.map((c) => `  - ${c}`));
  }
  if (r.views) {
    const v = r.views;
    if (v.failures.length) add('- The views at scale: **wrong answers**:', ...v.failures.map((f) => `  - ${f}`));
    else add(`- The views at scale: all ${v.checked.length} checks passed:`, ...v.checked.map((c) => `  - ${c}`));
  }

  add(
    '',
    '## How it measures',
    '',
    '- Capture: a dump with the heap through the diagnostics IPC, as `heaplens capture` writes it; each capture of the unchanged',
    '  heap is one sample. Then the program grows (more subscribers and cache entries) and is captured once more, for the diff.',
    '- Each run starts a fresh agent and times each request from the caller (JSON over stdio included), on the same two dumps,',
    '  after reading them once so they are in the page cache. The agent answers one trivial request before the clock starts, so',
    '  "open" leaves out the process start but includes JIT-compiling the agent\'s code and building its index.',
    '- Memory: the agent\'s own memory is its private (anonymous) memory, `RssAnon` in `/proc/<pid>/status`, sampled every',
    '  5 ms from before open to the end of the one-snapshot steps. "Per object" = (that peak − the idle agent\'s) ÷ the objects',
    '  the agent counts: what the snapshot costs, without the runtime the agent needs anyway. The goal is the peak while the',
    '  snapshot opens (index, live marks and ClrMD\'s own memory); the first statistics then build the dominator tree, whose',
    '  memory has rows of its own, and the peak over all the one-snapshot steps includes it. The agent maps the dump file',
    '  into memory and reads all of it while it builds the index, so its RSS also holds the dump\'s pages (`RssFile`): those',
    '  are the page cache, shared and dropped by the kernel when memory is short, and they are not the agent\'s to keep or',
    '  free; they are reported apart (peak RSS `VmHWM` with them, and its split at that moment).',
    '- Where the time goes: the agent logs each step of building the index and of the first retention path; those rows',
    '  come from its log.',
    '- Every answer is checked against the counts HeapShapes prints (`PLAN`): a wrong answer is listed above, never hidden.',
    '- Raw samples of every run: `bench/results.json`.',
    '',
  );
  return out.join('\n');
}

function viewsSection(v: ViewsResult): string[] {
  const m = v.measures;
  const row = (label: string, id: keyof ViewsResult['measures']) => `| ${label} | ${formatSummary(m[id])} |`;
  return [
    `## The views at scale (${formatCount(v.plan.types)} heap types, ${formatCount(v.plan.items)} instances of one)`,
    '',
    `\`bench/ManyTypes\` makes ${formatCount(v.plan.types)} heap types (closed generic types, a few instances each), ${formatCount(v.plan.items)} instances of ` +
      `\`${v.plan.itemType}\` and a chain of ${formatCount(v.plan.chainLength)} \`${v.plan.linkType}\`; the agent counts ${formatCount(v.objects)} objects ` +
      `(dump ${formatBytes(v.dumpBytes)}). ${v.runs} runs, each in a fresh agent; medians (min–max).`,
    '',
    '| Step | Time |',
    '|---|---:|',
    row('open', 'viewsOpenMs'),
    row('statistics, top 50 by bytes (the first: builds the dominator tree and retained sizes)', 'statsTopMs'),
    row('statistics, top 50 by count', 'statsTopByCountMs'),
    row('statistics, all types', 'statsAllMs'),
    `| statistics, all types: size of the answer | ${formatSummary(m.statsAllJsonBytes)} |`,
    row(`first page of 100 \`${v.plan.itemType}\``, 'itemsFirstPageMs'),
    row('a page of 100 in the middle', 'itemsMiddlePageMs'),
    row('the last page of 100', 'itemsLastPageMs'),
    row('a page of a type with one instance', 'rareTypePageMs'),
    row(`grouped retention paths of every \`${v.plan.itemType}\` (${formatCount(v.plan.items)} instances)`, 'groupItemsMs'),
    row('cancel open after 300 ms: the agent stops within', 'cancelOpenMs'),
    row(`cancel the retention path of the chain's far end after 150 ms: the agent stops within`, 'cancelRootsMs'),
    row('statistics, top 50, after both cancellations', 'statsAfterCancelMs'),
    '',
    '"The agent stops within" is the time between the agent logging the cancel request and logging the cancelled reply, by',
    'its own clock; the caller is released at once either way.',
  ];
}
