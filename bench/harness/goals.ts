// The goals of the issue "Performance at scale", for 10M objects on a 2-core machine, and where a run stands.
import { formatCount, formatValue } from './format';
import { BenchResults, MeasureId, SizeResult, Summary } from './results';

export const GOAL_OBJECTS = 10_000_000;

export interface Goal {
  what: string;
  measure: MeasureId;
  limit: number;
  unit: Summary['unit'];
  /** The measure must reach the limit (a speed-up), rather than stay under it. */
  atLeast?: boolean;
}

export const GOALS: Goal[] = [
  { what: 'statistics after open', measure: 'statsMs', limit: 3000, unit: 'ms' },
  { what: 'dominator tree and all retained sizes (first statistics after open)', measure: 'statsMs', limit: 3000, unit: 'ms' },
  { what: 'memory the dominator tree keeps per object', measure: 'retentionKeptBytesPerObject', limit: 20, unit: 'bytes/object' },
  { what: 'grouping the retention paths of 1,000,000 instances', measure: 'groupsPerMillionMs', limit: 1000, unit: 'ms' },
  { what: 'first retention path (deep object)', measure: 'firstPathMs', limit: 1000, unit: 'ms' },
  { what: 'retention paths by type (one example per group, at most 10)', measure: 'tenPathsMs', limit: 3000, unit: 'ms' },
  { what: 'diff of two snapshots', measure: 'diffMs', limit: 2000, unit: 'ms' },
  { what: 'agent memory per object while it opens a snapshot (private memory, peak − idle, ÷ objects; dominator tree excluded)', measure: 'agentOpenPrivateBytesPerObject', limit: 40, unit: 'bytes/object' },
  { what: 'open + statistics, in multiples of reading the dump once', measure: 'openPlusStatsVsCat', limit: 10, unit: 'ratio' },
  { what: 'reopen from the index cache ÷ first open (`heaplens stats`, whole processes)', measure: 'cliStatsReopenVsFirst', limit: 0.1, unit: 'ratio' },
  { what: 'faster than `dotnet-dump … dumpheap -stat` (`heaplens stats`, whole processes)', measure: 'dotnetDumpStatVsCli', limit: 5, unit: 'ratio', atLeast: true },
  { what: 'faster than `dotnet-dump … gcroot` (`heaplens roots --address`, whole processes)', measure: 'dotnetDumpGcrootVsCli', limit: 20, unit: 'ratio', atLeast: true },
];

export interface GoalStanding {
  goal: Goal;
  limitText: string;
  /** The measured size the verdict is about: the goal's size when it ran, else the largest that did. */
  size?: SizeResult;
  medianText: string;
  maxText: string;
  verdict: string;
}

export function standings(results: BenchResults): GoalStanding[] {
  const atGoal = results.sizes.find((s) => s.requested === GOAL_OBJECTS);
  const largest = results.sizes.at(-1);
  return GOALS.map((goal) => {
    const size = atGoal ?? largest;
    const s = size?.measures[goal.measure];
    const limitText = `${goal.atLeast ? '≥' : '≤'} ${formatValue(goal.unit, goal.limit)}`;
    if (goal.measure.startsWith('dotnetDump') && !results.comparison.available)
      return { goal, limitText, size, medianText: '–', maxText: '–', verdict: 'not measured: dotnet-dump is not available here' };
    if (!size || !s) return { goal, limitText, size, medianText: '–', maxText: '–', verdict: 'not measured' };
    const within = (v: number) => (goal.atLeast ? v >= goal.limit : v <= goal.limit);
    const met = within(s.median);
    // The worst run: the slowest for a time, the smallest speed-up for a ratio.
    const worst = goal.atLeast ? s.min : s.max;
    const verdict = atGoal
      ? met
        ? within(worst)
          ? 'met'
          : 'met by the median, not by every run'
        : 'missed'
      : `not measured at ${formatCount(GOAL_OBJECTS)} objects (at ${formatCount(size.requested)}: ${met ? 'within' : 'outside'} the limit)`;
    return { goal, limitText, size, medianText: formatValue(goal.unit, s.median), maxText: formatValue(goal.unit, worst), verdict };
  });
}
