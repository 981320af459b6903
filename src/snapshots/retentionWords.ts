// Retention paths in the words the Retention Paths view uses: each root described as people say it
// ("Local variable in Program.Main · Program.cs:14", "Static field Program.Bus", "Strong handle", "Finalizer queue"),
// each link as the field that holds the next object ("Publisher.Changed → EventHandler"), long repeats folded
// ("Leak.m_prevLeak × 4,998"). Pure: unit-tested without VS Code.
import * as path from 'path';
import { formatCount } from '../common/numbers';
import { foldLinks, linkCount, omittedText } from '../common/retentionFolding';
import { HandleKind, PathLink, RetentionPath, RootDescription } from '../protocol/agent';
import { isArraySlot, shortMemberName, shortTypeName, sourceFieldName } from './typeNames';

const HANDLE_WORDS: Record<HandleKind, string> = {
  strong: 'Strong handle',
  pinned: 'Pinned handle',
  weak: 'Weak handle',
  refcounted: 'Ref-counted handle',
  asyncpinned: 'Async pinned handle',
  sizedref: 'Sized-ref handle',
  dependent: 'Dependent handle',
  other: 'Handle',
};

/** "file.cs:14", or "" when the frame has no source location. */
/** A GC handle's kind in words ("Pinned handle"): the views and the CLI say it the same way. */
export function handleText(kind: HandleKind | undefined): string {
  return HANDLE_WORDS[kind ?? 'other'] ?? 'Handle';
}

export function sourceText(file: string | undefined, line: number | undefined): string {
  if (!file) return '';
  return line !== undefined ? `${path.basename(file)}:${line}` : path.basename(file);
}

export function describeRoot(root: RootDescription): string {
  switch (root.kind) {
    case 'stack': {
      const where = sourceText(root.file, root.line);
      return `Local variable in ${root.method ? shortMemberName(root.method) : 'an unknown method'}${where ? ` · ${where}` : ''}`;
    }
    case 'static':
      if (root.thread !== undefined) return `Thread-static field ${root.field ? shortMemberName(root.field) : '(unnamed)'} · thread ${root.thread}`;
      return `Static field ${root.field ? shortMemberName(root.field) : '(unnamed)'}`;
    case 'handle':
      return handleText(root.handleKind);
    case 'finalizer':
      return 'Finalizer queue';
    default:
      return 'Other root';
  }
}

/** The tooltip of a root: full names, thread and path. */
export function rootTooltip(root: RootDescription): string {
  switch (root.kind) {
    case 'stack':
      return [
        `A local variable (or temporary) of ${root.method ?? 'an unknown method'}${root.thread !== undefined ? ` on managed thread ${root.thread}` : ''}`,
        root.file ? `${root.file}${root.line !== undefined ? `:${root.line}` : ''}` : 'No source location (no portable PDB for this frame)',
      ].join('\n');
    case 'static':
      if (root.thread !== undefined) return `The [ThreadStatic] field ${root.field ?? '(unnamed)'} of managed thread ${root.thread}: lives as long as that thread`;
      return `The static field ${root.field ?? '(unnamed)'}: lives as long as its type is loaded`;
    case 'handle':
      return `A GC handle (${root.handleKind ?? 'other'}): held by the runtime or by native code until freed`;
    case 'finalizer':
      return 'Waiting in the finalizer queue: kept until its finalizer has run';
    default:
      return 'A root of another kind';
  }
}

/** "Publisher.Changed", "Object[][5]": the step from `from` (its type) through `field`. */
export function fieldStepText(fromType: string, field: string): string {
  return isArraySlot(field) ? `${shortTypeName(fromType)}${field}` : `${shortTypeName(fromType)}.${sourceFieldName(field)}`;
}

export type PathStep =
  /** links[0]: the object the root refers to. */
  | { kind: 'object'; index: number; link: PathLink; label: string }
  /** A field (or array slot) of links[index-1] that refers to links[index]. */
  | { kind: 'link'; index: number; link: PathLink; from: PathLink; field: string; label: string }
  /** `count` links through the same field of the same type, starting at links[index]. */
  | { kind: 'fold'; index: number; count: number; from: PathLink; field: string; type: string; label: string }
  /** `count` links the agent left out before links[index]: the path was too long to send whole. */
  | { kind: 'gap'; index: number; count: number; label: string };

/** The lines the view shows under a root: the first object, then links, long runs folded; a gap where links were left out. */
export function pathSteps(links: PathLink[], omitted?: RetentionPath['omitted']): PathStep[] {
  if (!omitted) return stepsOf(links, 0, links.length);
  return [
    ...stepsOf(links, 0, omitted.after),
    { kind: 'gap', index: omitted.after, count: omitted.count, label: omittedText(omitted.count) },
    ...stepsOf(links, omitted.after, links.length),
  ];
}

/** Steps of links[start..end); the first link of a part after a gap reads as an object (its referrer was not sent). */
function stepsOf(all: PathLink[], start: number, end: number): PathStep[] {
  const links = all.slice(0, end);
  const steps: PathStep[] = [];
  let index = start;
  for (const line of foldLinks(links.slice(start))) {
    if (line.kind === 'fold') {
      const from = links[index - 1] ?? links[index];
      steps.push({
        kind: 'fold',
        index,
        count: line.count,
        from,
        field: line.field,
        type: line.type,
        label: `${fieldStepText(from.type, line.field)} × ${formatCount(line.count)}`,
      });
      index += line.entries;
      continue;
    }
    const link = line.link;
    if (index === start || link.field === null) {
      steps.push({ kind: 'object', index, link, label: shortTypeName(link.type) });
    } else {
      const from = links[index - 1];
      steps.push({ kind: 'link', index, link, from, field: link.field, label: `${fieldStepText(from.type, link.field)} → ${shortTypeName(link.type)}` });
    }
    index++;
  }
  return steps;
}

/** The path's line in the view: the root in words; the description says how long the path is. */
export function pathSummary(p: RetentionPath): { label: string; description: string } {
  const target = p.links[p.links.length - 1];
  const links = linkCount(p.links) + (p.omitted?.count ?? 0);
  return {
    label: describeRoot(p.root),
    description: `${formatCount(links)} link${links === 1 ? '' : 's'}${target ? ` → ${shortTypeName(target.type)}` : ''}`,
  };
}
