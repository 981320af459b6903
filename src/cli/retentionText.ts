// Human text of retention paths (gcroot): the root, then one line per link, with long runs of the same field
// and type folded into one "… field × N" line so a 5,000-link chain stays readable. --json never folds.
import { PathLink, RetentionPath, RetentionPaths, RootDescription } from '../protocol/agent';
import { formatCount } from './table';

/** Runs at least this long are folded; shorter ones are printed in full. */
export const FOLD_MIN_RUN = 4;

export function describeRoot(root: RootDescription): string {
  switch (root.kind) {
    case 'stack': {
      const where = root.file ? ` at ${root.file}${root.line !== undefined ? `:${root.line}` : ''}` : '';
      const thread = root.thread !== undefined ? `thread ${root.thread}, ` : '';
      return `stack root: ${thread}${root.method ?? 'unknown method'}${where}`;
    }
    case 'static':
      return `static field ${root.field ?? '(unnamed)'}`;
    case 'handle':
      return `${root.handleKind ?? 'other'} handle`;
    case 'finalizer':
      return 'finalizer queue';
    default:
      return 'root';
  }
}

export type PathLine = { kind: 'link'; link: PathLink } | { kind: 'fold'; field: string; type: string; count: number };

/**
 * Folds each run of ≥ FOLD_MIN_RUN consecutive links that share field and type: all but the run's last link
 * become one fold line, and the last is kept so the path still ends on (or passes through) a real address.
 */
export function foldLinks(links: PathLink[], minRun = FOLD_MIN_RUN): PathLine[] {
  const out: PathLine[] = [];
  let i = 0;
  while (i < links.length) {
    let j = i + 1;
    while (j < links.length && links[j].field !== null && links[j].field === links[i].field && links[j].type === links[i].type) j++;
    const run = j - i;
    if (links[i].field !== null && run >= minRun) {
      out.push({ kind: 'fold', field: links[i].field!, type: links[i].type, count: run - 1 });
      out.push({ kind: 'link', link: links[j - 1] });
    } else {
      for (let k = i; k < j; k++) out.push({ kind: 'link', link: links[k] });
    }
    i = j;
  }
  return out;
}

function linkText(link: PathLink): string {
  if (link.field === null) return `-> ${link.address} ${link.type}`;
  const step = link.field.startsWith('[') ? link.field : `.${link.field}`;
  return `  ${step} -> ${link.address} ${link.type}`;
}

export function renderPath(path: RetentionPath): string[] {
  return [
    describeRoot(path.root),
    ...foldLinks(path.links).map((line) => (line.kind === 'link' ? linkText(line.link) : `  … ${line.field} × ${formatCount(line.count)}`)),
  ];
}

export function renderRetentionPaths(result: RetentionPaths, target: string): string[] {
  if (result.paths.length === 0) return [`No retention path found for ${target}: nothing keeps it alive (it will be collected), or it is not in this snapshot.`];
  const lines: string[] = [];
  result.paths.forEach((p, i) => {
    if (i > 0) lines.push('');
    lines.push(`Path ${i + 1} of ${result.paths.length} (${formatCount(p.links.length)} links)`);
    lines.push(...renderPath(p));
  });
  return lines;
}
