// Which of an example instance's retention paths a group expands to. An instance can be held several ways at the same
// depth (seen: a System.Threading.Timer's callback target reached both from the static TimerQueue.Instances and from
// a local of the timer thread), and the agent's path finder need not start from the root the group was formed by; the
// path shown under "static TimerQueue.<Instances>…" must start at that static, not at the thread's local.
import { RetentionGroup, RetentionPath, RootDescription } from '../protocol/agent';

/** True when two roots are the same place: kind, and the field, method, handle kind and thread each names. */
function sameRoot(a: RootDescription, b: RootDescription): boolean {
  return a.kind === b.kind && a.field === b.field && a.method === b.method && a.handleKind === b.handleKind && a.thread === b.thread;
}

/** The path of the group's example that starts at the group's root; else one from a root of the same kind; else the first. */
export function groupExamplePath(group: Pick<RetentionGroup, 'root'>, paths: readonly RetentionPath[]): RetentionPath | undefined {
  return paths.find((p) => sameRoot(p.root, group.root)) ?? paths.find((p) => p.root.kind === group.root.kind) ?? paths[0];
}
