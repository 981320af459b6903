// Folding of retention paths, shared by the CLI's text and the Retention Paths view: a long run of links through
// the same field of the same type (a 5,000-link chain) becomes one line that says how many it stands for.
import { PathLink } from '../protocol/agent';

/** Runs at least this long are folded; shorter ones are shown in full. */
export const FOLD_MIN_RUN = 4;

/** A fold stands for `count` links; the link after it is the last of its run. */
export type PathLine = { kind: 'link'; link: PathLink } | { kind: 'fold'; field: string; type: string; count: number };

/**
 * Folds each run of ≥ minRun consecutive links that share field and type: all but the run's last link
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
