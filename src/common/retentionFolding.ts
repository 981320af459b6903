// Folding of retention paths, shared by the CLI's text and the Retention Paths view: a long run of links through
// the same field of the same type (a 5,000-link chain) becomes one line that says how many it stands for. The agent
// folds such runs itself before they cross the wire (a link with `repeat`, same rule); a full path (`full: true`)
// is folded here, so both look the same.
import { PathLink } from '../protocol/agent';
import { formatCount } from './numbers';

/** Runs at least this long are folded; shorter ones are shown in full (the agent's FoldMinRun is the same). */
export const FOLD_MIN_RUN = 4;

/**
 * A fold stands for `count` links; the link after it is the last of its run. `entries`: how many entries of the
 * path's `links` it covers (1 for a run the agent folded, `count` for one folded here).
 */
export type PathLine = { kind: 'link'; link: PathLink } | { kind: 'fold'; field: string; type: string; count: number; entries: number };

/** How many links a path has, folded runs counted in full. */
export function linkCount(links: PathLink[]): number {
  return links.reduce((sum, link) => sum + (link.repeat ?? 1), 0);
}

/**
 * Folds each run of ≥ minRun consecutive links that share field and type: all but the run's last link
 * become one fold line, and the last is kept so the path still ends on (or passes through) a real address.
 * A link the agent folded (`repeat`) becomes a fold line as it is.
 */
export function foldLinks(links: PathLink[], minRun = FOLD_MIN_RUN): PathLine[] {
  const out: PathLine[] = [];
  let i = 0;
  while (i < links.length) {
    const folded = links[i];
    if (folded.repeat !== undefined && folded.field !== null) {
      out.push({ kind: 'fold', field: folded.field, type: folded.type, count: folded.repeat, entries: 1 });
      i++;
      continue;
    }
    let j = i + 1;
    while (j < links.length && links[j].repeat === undefined && links[j].field !== null && links[j].field === links[i].field && links[j].type === links[i].type) j++;
    const run = j - i;
    if (links[i].field !== null && run >= minRun) {
      out.push({ kind: 'fold', field: links[i].field!, type: links[i].type, count: run - 1, entries: run - 1 });
      out.push({ kind: 'link', link: links[j - 1] });
    } else {
      for (let k = i; k < j; k++) out.push({ kind: 'link', link: links[k] });
    }
    i = j;
  }
  return out;
}

/** The words for links the agent left out of a path too long to send whole (RetentionPath.omitted). */
export function omittedText(count: number): string {
  return `… ${formatCount(count)} links not sent (a path this long is sent as its first and last links)`;
}
