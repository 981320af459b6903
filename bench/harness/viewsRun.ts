// The views at scale: a heap with 50,000 heap types and one type with millions of instances (bench/ManyTypes).
// In a fresh agent per run it times what the views ask for (the top of the statistics, all of them, pages at the
// start, middle and end of the big type, a page of a type with one instance) and cancels two long requests (opening
// the dump, and the retention path of the far end of a chain of millions of links), timing how soon the agent
// stops by its own log. Every answer is checked against the program's PLAN or against another answer.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AgentClient, AgentError } from '../../src/agent/agentClient';
import { CancellationSource, CancelledError } from '../../src/common/async';
import * as wire from '../../src/protocol/agent';
import { writeDump } from '../../src/diagnostics/dump';
import { keepingLogger } from './agentLog';
import { countOf, Verdicts } from './checks';
import { removeDir, trackDir, trackProcess, untrackProcess } from './cleanup';
import { formatCount } from './format';
import { HeapGenerator } from './generator';
import { warmPageCache } from './pageCache';
import { Summary, ViewsMeasureId, VIEWS_MEASURES, ViewsPlan, ViewsResult } from './results';
import { summarize } from './summary';

export interface ViewsContext {
  agentPath: string;
  dll: string;
  types: number;
  items: number;
  runs: number;
  verbose: boolean;
}

const TOP = 50;
const PAGE = 100;
/** How long each long request runs before it is cancelled. */
const CANCEL_OPEN_AFTER_MS = 300;
const CANCEL_ROOTS_AFTER_MS = 150;

type Values = Partial<Record<ViewsMeasureId, number>>;

export async function benchViews(ctx: ViewsContext): Promise<ViewsResult> {
  const objects = ctx.types + ctx.items * 1.5;
  const limitMs = 300_000 + (objects / 1_000_000) * 90_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-bench-views-'));
  fs.chmodSync(dir, 0o700);
  trackDir(dir);
  try {
    console.log(`\nViews: ${formatCount(ctx.types)} heap types, ${formatCount(ctx.items)} instances of one (bench/ManyTypes)…`);
    const { generator, plan } = await HeapGenerator.run<ViewsPlan>(ctx.dll, [String(ctx.types), String(ctx.items)], objects);
    let dump;
    try {
      dump = await writeDump(generator.pid, { path: path.join(dir, 'views.dmp'), timeoutMs: limitMs });
    } finally {
      await generator.stop();
    }
    const runs: Array<{ values: Values; failures: string[] }> = [];
    const verdicts = new Verdicts();
    let objectsSeen = 0;
    for (let r = 1; r <= ctx.runs; r++) {
      await warmPageCache(dump.path, limitMs);
      const run = new Verdicts();
      const values: Values = {};
      try {
        objectsSeen = await viewsSession(ctx.agentPath, dump.path, plan, values, run, limitMs, ctx.verbose);
      } catch (err) {
        run.failures.push(`run ${r} stopped: ${(err as Error).message}`);
      }
      if (r === 1) verdicts.checked.push(...run.checked);
      runs.push({ values, failures: run.failures });
      console.log(`  run ${r}/${ctx.runs}: ${describe(values)}${run.failures.length ? `\n    ${run.failures.join('\n    ')}` : ''}`);
    }
    const measures: ViewsResult['measures'] = {};
    for (const m of VIEWS_MEASURES) {
      const s = summarize(
        runs.map((r) => r.values[m]).filter((v): v is number => v !== undefined),
        m.endsWith('Bytes') ? 'bytes' : 'ms',
      );
      if (s) measures[m] = s as Summary;
    }
    return {
      plan,
      objects: objectsSeen,
      dumpBytes: dump.bytes,
      runs: runs.length,
      measures,
      checked: verdicts.checked,
      failures: [...new Set(runs.flatMap((r) => r.failures))],
    };
  } finally {
    removeDir(dir);
  }
}

async function viewsSession(agentPath: string, dump: string, plan: ViewsPlan, values: Values, v: Verdicts, limitMs: number, verbose: boolean): Promise<number> {
  const log: string[] = [];
  const logger = keepingLogger(log, verbose);
  const agent = AgentClient.start({ agentPath, logger, requestTimeoutMs: limitMs });
  trackProcess(agent.pid);
  try {
    // Cancel an open part-way: the agent must stop building the index and register nothing.
    const openCancel = await cancelAfter(CANCEL_OPEN_AFTER_MS, (cancellation) => agent.open({ path: dump }, { cancellation }));
    v.expect(openCancel === 'cancelled', `opening the dump is cancelled after ${CANCEL_OPEN_AFTER_MS} ms`, () => openCancel);
    values.cancelOpenMs = await agentStopMs(log, 'snapshot/open', v);

    const [info, openMs] = await timed(() => agent.open({ path: dump }));
    values.viewsOpenMs = openMs;
    const id = info.snapshotId;

    const [top, statsTopMs] = await timed(() => agent.stats({ snapshotId: id, top: TOP }));
    values.statsTopMs = statsTopMs;
    const [, statsTopByCountMs] = await timed(() => agent.stats({ snapshotId: id, top: TOP, sort: 'count' }));
    values.statsTopByCountMs = statsTopByCountMs;
    const [all, statsAllMs] = await timed(() => agent.stats({ snapshotId: id }));
    values.statsAllMs = statsAllMs;
    values.statsAllJsonBytes = Buffer.byteLength(JSON.stringify(all));
    v.expect(all.types.length >= plan.types, `the statistics list at least the ${formatCount(plan.types)} heap types ManyTypes made`, () => `they list ${formatCount(all.types.length)}`);
    v.expect(countOf(all, plan.itemType) === plan.items, `the statistics count ${formatCount(plan.items)} ${plan.itemType}`, () => `they count ${formatCount(countOf(all, plan.itemType))}`);
    v.expect(
      JSON.stringify(top.types) === JSON.stringify(all.types.slice(0, TOP)),
      `the top ${TOP} of the statistics are the first ${TOP} of the full list`,
      () => `they differ from the first ${TOP}`,
    );

    const pageAt = (offset: number, limit = PAGE) => agent.instances({ snapshotId: id, type: plan.itemType, offset, limit });
    const [first, itemsFirstPageMs] = await timed(() => pageAt(0));
    values.itemsFirstPageMs = itemsFirstPageMs;
    const middle = Math.floor(plan.items / 2);
    const [mid, itemsMiddlePageMs] = await timed(() => pageAt(middle));
    values.itemsMiddlePageMs = itemsMiddlePageMs;
    const [last, itemsLastPageMs] = await timed(() => pageAt(plan.items - PAGE));
    values.itemsLastPageMs = itemsLastPageMs;
    checkPage(v, first, 'the first page', PAGE);
    checkPage(v, mid, `a page at offset ${formatCount(middle)}`, PAGE);
    checkPage(v, last, 'the last page', PAGE);
    // Pages must agree with each other: the second half of a page is the page that starts there.
    const half = await pageAt(middle + PAGE / 2, PAGE / 2);
    v.expect(
      JSON.stringify(half.instances) === JSON.stringify(mid.instances.slice(PAGE / 2)),
      `the page at offset ${formatCount(middle + PAGE / 2)} is the second half of the page at ${formatCount(middle)}`,
      () => 'it is not',
    );
    const beyond = await pageAt(plan.items + 5);
    v.expect(beyond.instances.length === 0 && beyond.count === plan.items, 'a page past the end is empty', () => `${beyond.instances.length} instances`);

    const rare = all.types.find((t) => t.count === 1 && t.name.includes('ManyTypes.Cell'));
    if (rare) {
      const [one, rareTypePageMs] = await timed(() => agent.instances({ snapshotId: id, type: rare.name, limit: PAGE }));
      values.rareTypePageMs = rareTypePageMs;
      v.expect(one.instances.length === 1, 'a page of a type with one instance holds it', () => `${one.instances.length} instances`);
    }

    // Every instance's shortest path, grouped: all of them hang from one static array.
    const [groups, groupItemsMs] = await timed(() => agent.retentionGroups({ snapshotId: id, type: plan.itemType }));
    values.groupItemsMs = groupItemsMs;
    v.expect(
      groups.instances === plan.items && groups.groups.length === 1 && groups.groups[0].count === plan.items && groups.groups[0].root.kind === 'static',
      `the retention paths of the ${formatCount(plan.items)} ${plan.itemType} make one group, from a static field`,
      () => `${formatCount(groups.instances)} instances in ${groups.groups.length} groups: ${JSON.stringify(groups.groups.map((g) => [g.count, g.root]))}`,
    );

    // Cancel a retention path through millions of links: the agent stops searching and naming, and goes on serving.
    const farEnd = await agent.instances({ snapshotId: id, type: plan.linkType, limit: 1 });
    const rootsCancel = await cancelAfter(CANCEL_ROOTS_AFTER_MS, (cancellation) => agent.roots({ snapshotId: id, address: farEnd.instances[0].address }, { cancellation }));
    v.expect(rootsCancel === 'cancelled', `the retention path of the far end of a ${formatCount(plan.chainLength)}-link chain is cancelled after ${CANCEL_ROOTS_AFTER_MS} ms`, () => rootsCancel);
    values.cancelRootsMs = await agentStopMs(log, 'heap/roots', v);
    const [again, statsAfterCancelMs] = await timed(() => agent.stats({ snapshotId: id, top: TOP }));
    values.statsAfterCancelMs = statsAfterCancelMs;
    v.expect(JSON.stringify(again) === JSON.stringify(top), 'after both cancellations the agent answers the statistics as before', () => 'the answer changed');
    return info.objects;
  } finally {
    await agent.dispose();
    untrackProcess(agent.pid);
  }
}

function checkPage(v: Verdicts, page: wire.Instances, what: string, limit: number): void {
  const addresses = page.instances.map((i) => BigInt(i.address));
  const ascending = addresses.every((a, i) => i === 0 || a > addresses[i - 1]);
  v.expect(page.instances.length === limit && ascending, `${what} of the big type holds ${limit} instances in address order`, () => `${page.instances.length} instances${ascending ? '' : ', out of order'}`);
}

/** Runs a request and cancels it after `ms`: 'cancelled', or what happened instead. */
async function cancelAfter(ms: number, call: (c: CancellationSource) => Promise<unknown>): Promise<string> {
  const source = new CancellationSource();
  const timer = setTimeout(() => source.cancel(), ms);
  try {
    await call(source);
    return `it finished within ${ms} ms, before it could be cancelled`;
  } catch (err) {
    if (err instanceof CancelledError) return 'cancelled';
    return `it failed: ${err instanceof AgentError ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long the agent took to stop a cancelled request, by its own clock: from its "Cancelling request" line to its
 * "<method> #id cancelled after" line. The caller is released at once; this is the time the agent kept working.
 */
async function agentStopMs(log: string[], method: string, v: Verdicts): Promise<number | undefined> {
  const deadline = Date.now() + 30_000;
  const stamp = (line: string) => {
    const m = /(\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
    return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) : undefined;
  };
  for (;;) {
    const stopped = [...log].reverse().find((l) => l.includes(`${method} #`) && l.includes('cancelled after'));
    const id = stopped && /#(\S+) cancelled/.exec(stopped)?.[1];
    const asked = id ? log.find((l) => l.includes(`Cancelling request ${id}.`)) : undefined;
    if (stopped && asked) {
      const ms = stamp(stopped)! - stamp(asked)!;
      v.expect(ms >= 0 && ms < 1000, `the agent stops a cancelled ${method} within a second`, () => `it took ${ms} ms`);
      return Math.max(0, ms);
    }
    if (Date.now() > deadline) {
      v.expect(false, `the agent stops a cancelled ${method} within a second`, () => 'its log shows no cancellation within 30 s');
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

function describe(v: Values): string {
  const ms = (x: number | undefined) => (x === undefined ? '–' : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`);
  return `open ${ms(v.viewsOpenMs)}, top ${TOP} ${ms(v.statsTopMs)}, all types ${ms(v.statsAllMs)}, last page ${ms(v.itemsLastPageMs)}, grouped paths ${ms(v.groupItemsMs)}, cancel open ${ms(v.cancelOpenMs)}, cancel roots ${ms(v.cancelRootsMs)}`;
}
