// Checks every answer the benchmark times against what HeapShapes says it built (its PLAN), so a fast wrong
// answer shows up as a failure instead of a good number.
import { linkCount } from '../../src/common/retentionFolding';
import * as wire from '../../src/protocol/agent';
import { formatCount } from './format';
import { HeapPlan } from './results';

export class Verdicts {
  readonly checked: string[] = [];
  readonly failures: string[] = [];

  expect(ok: boolean, what: string, failure: () => string): void {
    if (ok) this.checked.push(what);
    else this.failures.push(`${what}: ${failure()}`);
  }
}

export function countOf(stats: wire.HeapStats, type: string): number {
  return stats.types.filter((t) => t.name === type).reduce((sum, t) => sum + t.count, 0);
}

export function checkStats(v: Verdicts, stats: wire.HeapStats, plan: HeapPlan): void {
  for (const [type, count] of Object.entries(plan.types)) {
    const seen = countOf(stats, type);
    v.expect(seen === count, `statistics count ${formatCount(count)} ${type}`, () => `the agent counted ${formatCount(seen)}`);
  }
  v.expect(stats.objects >= plan.objects, `statistics count at least the ${formatCount(plan.objects)} objects HeapShapes made`, () => `the agent counted ${formatCount(stats.objects)}`);
}

export function checkLayout(v: Verdicts, layout: wire.HeapLayout, stats: wire.HeapStats): void {
  const total = layout.heaps.reduce((sum, h) => sum + h.gen0 + h.gen1 + h.gen2 + h.loh + h.poh, 0);
  v.expect(total >= stats.bytes, 'the heap layout holds at least the bytes of all live objects', () => `${total} bytes in the layout, ${stats.bytes} in the statistics`);
}

export function checkInstances(v: Verdicts, found: wire.Instances, stats: wire.HeapStats, page: number): void {
  const count = countOf(stats, found.type);
  v.expect(found.count === count, `instances of the biggest type count as many as the statistics`, () => `${found.count} instances, ${count} in the statistics`);
  v.expect(found.instances.length === Math.min(page, count), `instances return a page of ${page}`, () => `${found.instances.length} returned`);
}

export function checkDeepPage(v: Verdicts, page: wire.Instances, count: number, offset: number, limit: number): void {
  const addresses = page.instances.map((i) => BigInt(i.address));
  const ascending = addresses.every((a, i) => i === 0 || a > addresses[i - 1]);
  const expected = Math.min(limit, Math.max(0, count - offset));
  v.expect(
    page.instances.length === expected && ascending,
    `a page at offset ${formatCount(offset)} of the biggest type holds its last ${formatCount(expected)} instances, in address order`,
    () => `${page.instances.length} returned${ascending ? '' : ', not in address order'}`,
  );
}

export function checkDeepPath(v: Verdicts, found: wire.RetentionPaths, deepAddress: string, plan: HeapPlan): void {
  const paths = found.paths.filter((p) => p.links.at(-1)?.address === deepAddress);
  const lengths = paths.map((p) => linkCount(p.links));
  v.expect(
    paths.some((p, i) => p.root.kind === 'static' && lengths[i] === plan.chainLength),
    `the deep object's retention path is ${formatCount(plan.chainLength)} links from a static field`,
    () => `paths to it: ${paths.length ? paths.map((p, i) => `${p.root.kind} with ${lengths[i]} links`).join(', ') : 'none'}`,
  );
}

/** Retention paths by type: one example path per retention group, each to a different instance of the type. */
export function checkTenPaths(v: Verdicts, found: wire.RetentionPaths, plan: HeapPlan, max: number): void {
  const targets = new Set(found.paths.map((p) => p.links.at(-1)).filter((l) => l?.type === plan.pathsType).map((l) => l!.address));
  v.expect(
    found.paths.length >= 1 && found.paths.length <= max && targets.size === found.paths.length,
    `retention paths by type: one example path per group (at most ${max}), each to a different ${plan.pathsType}`,
    () => `${found.paths.length} paths reach ${targets.size} different ${plan.pathsType}`,
  );
}

export function checkDominators(v: Verdicts, found: wire.Dominators, stats: wire.HeapStats): void {
  const sum = found.items.reduce((s, d) => s + d.retainedBytes, 0);
  const sorted = found.items.every((d, i) => i === 0 || found.items[i - 1].retainedBytes >= d.retainedBytes);
  v.expect(
    found.liveBytes === stats.bytes && sum <= stats.bytes && sorted && found.items.length > 0,
    'the biggest retainers are sorted, and together retain no more than the live heap',
    () => `${found.items.length} items retaining ${sum} of ${stats.bytes} live bytes${sorted ? '' : ', not sorted'}`,
  );
}

export function checkGroups(v: Verdicts, found: wire.RetentionGroups, type: wire.TypeStat): void {
  const counted = found.groups.reduce((s, g) => s + g.count, 0) + (found.otherGroups?.count ?? 0);
  const retained = found.groups.reduce((s, g) => s + g.retainedBytes, 0) + (found.otherGroups?.retainedBytes ?? 0);
  v.expect(
    found.instances === type.count && counted === type.count && retained === type.retainedBytes,
    `the retention groups of ${type.name} hold each of its ${formatCount(type.count)} instances once and add up to its retained bytes`,
    () => `${formatCount(found.instances)} instances, ${formatCount(counted)} in groups, ${retained} of ${type.retainedBytes} retained bytes`,
  );
}

export function checkDiff(v: Verdicts, diff: wire.HeapDiff, before: HeapPlan, after: HeapPlan): void {
  for (const type of Object.keys(after.types)) {
    const expected = after.types[type] - (before.types[type] ?? 0);
    const row = diff.types.find((t) => t.name === type);
    const seen = row ? row.after.count - row.before.count : 0;
    v.expect(seen === expected, `the diff shows ${expected >= 0 ? '+' : ''}${formatCount(expected)} ${type}`, () => `it shows ${seen >= 0 ? '+' : ''}${formatCount(seen)}`);
  }
}
