// Human text of retention paths (gcroot): the root, then one line per link, with long runs of the same field
// and type folded into one "… field × N" line so a 5,000-link chain stays readable (the agent folds them already;
// --json asks it for every link).
import { foldLinks, linkCount, omittedText } from '../common/retentionFolding';
import { GroupLink, PathLink, RetentionGroup, RetentionGroups, RetentionPath, RetentionPaths, RootDescription } from '../protocol/agent';
import { handleText } from '../snapshots/retentionWords';
import { formatCount } from './table';

// The folding itself is shared with the Retention Paths view.
export { FOLD_MIN_RUN, foldLinks, type PathLine } from '../common/retentionFolding';

export function describeRoot(root: RootDescription): string {
  switch (root.kind) {
    case 'stack': {
      const where = root.file ? ` at ${root.file}${root.line !== undefined ? `:${root.line}` : ''}` : '';
      const thread = root.thread !== undefined ? `thread ${root.thread}, ` : '';
      return `stack root: ${thread}${root.method ?? 'unknown method'}${where}`;
    }
    case 'static':
      if (root.thread !== undefined) return `thread-static field ${root.field ?? '(unnamed)'} (thread ${root.thread})`;
      return `static field ${root.field ?? '(unnamed)'}`;
    case 'handle':
      return handleText(root.handleKind);
    case 'finalizer':
      return 'finalizer queue';
    default:
      return 'root';
  }
}

function linkText(link: PathLink): string {
  if (link.field === null) return `-> ${link.address} ${link.type}`;
  const step = link.field.startsWith('[') ? link.field : `.${link.field}`;
  return `  ${step} -> ${link.address} ${link.type}`;
}

export function renderPath(path: RetentionPath): string[] {
  const lines = (links: PathLink[]) => foldLinks(links).map((line) => (line.kind === 'link' ? linkText(line.link) : `  … ${line.field} × ${formatCount(line.count)}`));
  if (!path.omitted) return [describeRoot(path.root), ...lines(path.links)];
  const { after, count } = path.omitted;
  return [describeRoot(path.root), ...lines(path.links.slice(0, after)), `  ${omittedText(count)}`, ...lines(path.links.slice(after))];
}

export function renderRetentionPaths(result: RetentionPaths, target: string): string[] {
  if (result.paths.length === 0) return [`No retention path found for ${target}: nothing keeps it alive (it will be collected), or it is not in this snapshot.`];
  const lines: string[] = [];
  result.paths.forEach((p, i) => {
    if (i > 0) lines.push('');
    const links = linkCount(p.links) + (p.omitted?.count ?? 0);
    lines.push(`Path ${i + 1} of ${result.paths.length} (${formatCount(links)} link${links === 1 ? '' : 's'})`);
    lines.push(...renderPath(p));
  });
  return lines;
}

/**
 * A grouped path on one line: "static field X -> List<T> ._items-> T[] .[]-> T", a folded run marked "×N", and the
 * links the agent left out of a shape too long to send whole (RetentionGroup.omitted) said where they were.
 */
export function groupPathText(root: RootDescription, links: GroupLink[], omitted?: RetentionGroup['omitted']): string {
  const steps = links.map((l) => {
    const repeat = l.repeat ? ` (×${formatCount(l.repeat)} on the example)` : '';
    if (l.field === null) return `${l.type}${repeat}`;
    return `${l.field.startsWith('[') ? l.field : `.${l.field}`} -> ${l.type}${repeat}`;
  });
  if (omitted) steps.splice(omitted.after, 0, omittedText(omitted.count));
  return `${describeRoot(root)} -> ${steps.join(' ')}`;
}

export function renderRetentionGroups(result: RetentionGroups): string[] {
  if (result.groups.length === 0) return [`No live instance of ${result.type}: nothing keeps one alive.`];
  const groups = result.groups.length + (result.otherGroups?.groups ?? 0);
  const instances = `${formatCount(result.instances)} live instance${result.instances === 1 ? '' : 's'}`;
  const lines = [`${instances} of ${result.type} in ${formatCount(groups)} retention group${groups === 1 ? '' : 's'}, largest retained first:`];
  result.groups.forEach((g, i) => {
    lines.push('');
    lines.push(`Group ${i + 1}: ${formatCount(g.count)} of ${formatCount(result.instances)} · ${formatCount(g.bytes)} bytes · ${formatCount(g.retainedBytes)} bytes retained · example ${g.example}`);
    lines.push(`  ${groupPathText(g.root, g.links, g.omitted)}`);
  });
  if (result.otherGroups) {
    const o = result.otherGroups;
    lines.push('', `${formatCount(o.groups)} more group${o.groups === 1 ? '' : 's'}: ${formatCount(o.count)} instance${o.count === 1 ? '' : 's'}, ${formatCount(o.bytes)} bytes, ${formatCount(o.retainedBytes)} bytes retained (--max N for more).`);
  }
  return lines;
}
