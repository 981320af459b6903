// The goals of the issue "Performance at scale", for 10M objects on a 2-core machine, and where a run stands.
import { formatCount, formatValue } from './format';
import { BenchResults, MeasureId, SizeResult, Summary } from './results';

export const GOAL_OBJECTS = 10_000_000;

export interface Goal {
  what: string;
  measure: MeasureId;
  limit: number;
  unit: Summary['unit'];
}

export const GOALS: Goal[] = [
  { what: 'statistics after open', measure: 'statsMs', limit: 3000, unit: 'ms' },
  { what: 'first retention path (deep object)', measure: 'firstPathMs', limit: 1000, unit: 'ms' },
  { what: 'retention paths for 10 instances', measure: 'tenPathsMs', limit: 3000, unit: 'ms' },
  { what: 'diff of two snapshots', measure: 'diffMs', limit: 2000, unit: 'ms' },
  { what: 'agent memory per object (peak RSS ÷ objects)', measure: 'agentBytesPerObject', limit: 40, unit: 'bytes/object' },
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
    const limitText = `≤ ${formatValue(goal.unit, goal.limit)}`;
    if (!size || !s) return { goal, limitText, size, medianText: '–', maxText: '–', verdict: 'not measured' };
    const met = s.median <= goal.limit;
    const verdict = atGoal
      ? met
        ? s.max <= goal.limit
          ? 'met'
          : 'met by the median, not by every run'
        : 'missed'
      : `not measured at ${formatCount(GOAL_OBJECTS)} objects (at ${formatCount(size.requested)}: ${met ? 'within' : 'already over'} the limit)`;
    return { goal, limitText, size, medianText: formatValue(goal.unit, s.median), maxText: formatValue(goal.unit, s.max), verdict };
  });
}
