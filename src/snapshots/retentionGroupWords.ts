// Grouped retention paths in words: a group of a heap type's instances whose shortest paths have the same shape, as
// one line ("700 of 1,421 · 1.4 MB retained", then "static AuditLog.s_recent → List<AuditEntry> → … →
// AuditEntry.Payload"), and its full path for the tooltip. Pure: unit-tested without VS Code.
import { formatBytes, formatCount } from '../common/numbers';
import { omittedText } from '../common/retentionFolding';
import { GroupLink, RetentionGroup, RootDescription } from '../protocol/agent';
import { describeRoot, fieldStepText } from './retentionWords';
import { shortMemberName, shortTypeName } from './typeNames';

/** A root in a few words, for a one-line path: "static AuditLog.s_recent", "local in Program.Main", "strong handle". */
export function shortRootText(root: RootDescription): string {
  switch (root.kind) {
    case 'static':
      return `${root.thread !== undefined ? 'thread-static' : 'static'} ${root.field ? shortMemberName(root.field) : '(unnamed)'}`;
    case 'stack':
      return `local in ${root.method ? shortMemberName(root.method) : 'an unknown method'}`;
    default:
      return describeRoot(root).toLowerCase();
  }
}

/** "Leak.m_prevLeak", "Object[][]", with "× 4,998" when the link stands for a folded run. */
function linkText(from: GroupLink, link: GroupLink): string {
  const step = fieldStepText(from.type, link.field ?? '');
  return link.repeat && link.repeat > 1 ? `${step} × ${formatCount(link.repeat)}` : step;
}

/**
 * The path of a group on one line: the root, the object it refers to, "…" for the links between, and the field that
 * holds the instances ("AuditEntry.Payload"); shorter paths show every link.
 */
export function groupPathText(group: Pick<RetentionGroup, 'root' | 'links'>): string {
  const { links } = group;
  const parts = [shortRootText(group.root)];
  if (links.length > 0) parts.push(shortTypeName(links[0].type));
  if (links.length > 2) parts.push('…');
  if (links.length > 1) parts.push(linkText(links[links.length - 2], links[links.length - 1]));
  return parts.join(' → ');
}

/** The group's line in Retention Paths: how many of the type's instances it holds and what they retain. */
export function groupSummary(group: RetentionGroup, instances: number): { label: string; description: string } {
  return {
    label: `${formatCount(group.count)} of ${formatCount(instances)} · ${formatBytes(group.retainedBytes)} retained`,
    description: groupPathText(group),
  };
}

/** The tooltip: the figures, the root in words, then every link on its own line. */
export function groupTooltip(group: RetentionGroup, instances: number, type: string): string {
  const lines = [
    `${formatCount(group.count)} of the ${formatCount(instances)} live ${type} objects (${formatCount(group.bytes)} bytes) are held this way;`,
    `${formatCount(group.retainedBytes)} bytes (${formatBytes(group.retainedBytes)}) would be freed if all of them went.`,
    describeRoot(group.root),
  ];
  group.links.forEach((link, i) => {
    if (i === 0) return lines.push(`  ${shortTypeName(link.type)}`);
    // A shape too long to send whole comes as its two ends (RetentionGroup.omitted): the gap is said where it is, and
    // the link after it names only its field (the type that holds the field was not sent).
    if (i === group.omitted?.after) return lines.push(`  ${omittedText(group.omitted.count)}`, `  → .${link.field ?? ''} → ${shortTypeName(link.type)}`);
    lines.push(`  → ${linkText(group.links[i - 1], link)} → ${shortTypeName(link.type)}`);
  });
  lines.push('Expand to see the path of one of them.');
  return lines.join('\n');
}
