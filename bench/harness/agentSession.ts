// One timed session of a fresh agent on a pair of snapshots, step by step as a user meets them: open, statistics,
// heap layout, instances of the biggest type (the first page and one deep in it), the deep object's retention
// path, ten retention paths of one type, then the second snapshot and the diff. Samples the agent's own memory
// all along, reads its peaks from /proc, takes where the time went from its log, and checks each answer against
// the generator's plan.
import { AgentClient, AgentError } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { checkDeepPage, checkDeepPath, checkDiff, checkDominators, checkGroups, checkInstances, checkLayout, checkStats, checkTenPaths, Verdicts } from './checks';
import { trackProcess, untrackProcess } from './cleanup';
import { agentLogMeasures, keepingLogger } from './agentLog';
import { MemoryWatch, readMemory } from './memory';
import { HeapPlan, MeasureId } from './results';

/** The page of instances a view asks for. */
export const INSTANCES_PAGE = 100;
export const PATHS_MAX = 10;

export interface SessionInput {
  agentPath: string;
  before: string;
  after: string;
  plan: HeapPlan;
  planAfter: HeapPlan;
  /** Limit of one agent request. */
  requestTimeoutMs: number;
  verbose: boolean;
}

export interface SessionOutput {
  values: Partial<Record<MeasureId, number>>;
  verdicts: Verdicts;
  info: wire.SnapshotInfo;
  biggestType: string;
  deepAddress: string;
}

export async function timeAgentSession(input: SessionInput): Promise<SessionOutput> {
  const log: string[] = [];
  const logger = keepingLogger(log, input.verbose);
  const spawned = process.hrtime.bigint();
  const agent = AgentClient.start({ agentPath: input.agentPath, logger, requestTimeoutMs: input.requestTimeoutMs });
  const pid = agent.pid!;
  trackProcess(pid);
  const values: Partial<Record<MeasureId, number>> = {};
  const verdicts = new Verdicts();
  let watch: MemoryWatch | undefined;
  try {
    // Any answer shows the agent is up; an unknown snapshot is the cheapest question.
    await agent.close('bench-no-such-snapshot').catch((err: unknown) => {
      if (!(err instanceof AgentError) || err.code !== wire.AgentErrorCode.UnknownSnapshot) throw err;
    });
    values.agentStartMs = Number(process.hrtime.bigint() - spawned) / 1e6;
    const idle = readMemory(pid);
    values.agentIdleRssBytes = idle.rssBytes;
    values.agentIdleAnonBytes = idle.anonBytes;
    watch = new MemoryWatch(pid);

    const [info, openMs] = await timed(() => agent.open({ path: input.before }));
    values.openMs = openMs;
    values.indexMs = info.indexMs;
    // The memory goal: what opening the snapshot costs at its peak, before any question builds the dominator tree.
    values.agentOpenPeakAnonBytes = watch.peakAnonBytes;
    values.agentOpenPrivateBytesPerObject = (values.agentOpenPeakAnonBytes - idle.anonBytes) / info.objects;
    const id = info.snapshotId;

    // The first statistics build the dominator tree: the private memory it adds, at its peak, per object.
    const beforeStats = readMemory(pid).anonBytes;
    const statsWatch = new MemoryWatch(pid);
    const [stats, statsMs] = await timed(() => agent.stats({ snapshotId: id, sort: 'bytes' })).finally(() => statsWatch.stop());
    values.statsMs = statsMs;
    values.retentionPeakBytesPerObject = Math.max(0, statsWatch.peakAnonBytes - beforeStats) / info.objects;
    values.openPlusStatsMs = openMs + statsMs;
    checkStats(verdicts, stats, input.plan);

    const [dominators, dominatorsMs] = await timed(() => agent.dominators({ snapshotId: id, top: 50 }));
    values.dominatorsMs = dominatorsMs;
    checkDominators(verdicts, dominators, stats);
    // The most numerous type: every live instance's shortest path, grouped.
    const numerous = [...stats.types].sort((a, b) => b.count - a.count)[0];
    const [groups, groupsMs] = await timed(() => agent.retentionGroups({ snapshotId: id, type: numerous.name }));
    values.groupsMs = groupsMs;
    values.groupsPerMillionMs = groupsMs / (groups.instances / 1_000_000);
    checkGroups(verdicts, groups, numerous);

    const [layout, layoutMs] = await timed(() => agent.layout(id));
    values.layoutMs = layoutMs;
    checkLayout(verdicts, layout, stats);

    const biggestType = [...stats.types].sort((a, b) => b.bytes - a.bytes)[0].name;
    const [found, instancesMs] = await timed(() => agent.instances({ snapshotId: id, type: biggestType, limit: INSTANCES_PAGE }));
    values.instancesMs = instancesMs;
    checkInstances(verdicts, found, stats, INSTANCES_PAGE);
    // A page near the end of the biggest type: the time of a page must not grow with its offset.
    const deepOffset = Math.max(0, found.count - INSTANCES_PAGE);
    const [deepPage, instancesDeepMs] = await timed(() => agent.instances({ snapshotId: id, type: biggestType, offset: deepOffset, limit: INSTANCES_PAGE }));
    values.instancesDeepMs = instancesDeepMs;
    checkDeepPage(verdicts, deepPage, found.count, deepOffset, INSTANCES_PAGE);

    const deep = await agent.instances({ snapshotId: id, type: input.plan.deepType, limit: 1 });
    if (deep.instances.length !== 1) throw new Error(`The agent finds ${deep.count} ${input.plan.deepType} in the snapshot; HeapShapes made exactly one.`);
    const deepAddress = deep.instances[0].address;
    const [deepPaths, firstPathMs] = await timed(() => agent.roots({ snapshotId: id, address: deepAddress }));
    values.firstPathMs = firstPathMs;
    checkDeepPath(verdicts, deepPaths, deepAddress, input.plan);

    const [tenPaths, tenPathsMs] = await timed(() => agent.roots({ snapshotId: id, type: input.plan.pathsType, max: PATHS_MAX }));
    values.tenPathsMs = tenPathsMs;
    checkTenPaths(verdicts, tenPaths, input.plan, PATHS_MAX);

    const memory = readMemory(pid);
    values.agentPeakRssBytes = memory.peakRssBytes;
    // Where the memory is: the agent's own (anonymous) or pages of files it maps (the dump, its assemblies).
    values.agentAnonRssBytes = memory.anonBytes;
    values.agentFileRssBytes = memory.fileBytes;
    values.agentBytesPerObject = values.agentPeakRssBytes / info.objects;
    // The agent's own memory per object over all the one-snapshot steps (the dominator tree's included): its peak
    // anonymous memory above what the idle agent had.
    values.agentPeakAnonBytes = watch.peakAnonBytes;
    values.agentPrivateBytesPerObject = (values.agentPeakAnonBytes - idle.anonBytes) / info.objects;

    const [after, openAfterMs] = await timed(() => agent.open({ path: input.after }));
    values.openAfterMs = openAfterMs;
    const [diff, diffMs] = await timed(() => agent.diff({ before: id, after: after.snapshotId }));
    values.diffMs = diffMs;
    checkDiff(verdicts, diff, input.plan, input.planAfter);
    values.agentPeakRssTwoSnapshotsBytes = readMemory(pid).peakRssBytes;
    values.agentPeakAnonTwoSnapshotsBytes = watch.peakAnonBytes;
    Object.assign(values, agentLogMeasures(log, id));

    return { values, verdicts, info, biggestType, deepAddress };
  } catch (err) {
    const tail = log.slice(-5).join('\n  ');
    throw new Error(`${(err as Error).message}${tail ? `\n  agent log:\n  ${tail}` : ''}`);
  } finally {
    watch?.stop();
    await agent.dispose();
    untrackProcess(pid);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}
