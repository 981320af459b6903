// Where the agent's time went, as its own log says (stderr, one line per step): the parts of building the index,
// the live marks, gathering the roots, and searching and naming a retention path. Lines it does not find leave their measure out.
import { Logger } from '../../src/common/logger';
import { MeasureId } from './results';

type Measures = Partial<Record<MeasureId, number>>;

/** Reads the first snapshot's index line, its roots line, and the first retention-path line after them. */
export function agentLogMeasures(log: string[], snapshotId: string): Measures {
  const values: Measures = {};
  const index = log.map((l) => /Indexed [\d,]+ objects.*?walk (\d+) ms.*?columns (\d+) ms, forward (\d+) ms, reverse (\d+) ms, pages (\d+) ms; managed heap ([\d,]+) MB/.exec(l)).find((m) => m);
  if (index) {
    [values.indexWalkMs, values.indexColumnsMs, values.indexForwardMs, values.indexReverseMs, values.indexPagesMs] = index.slice(1, 6).map(Number);
    values.managedHeapBytes = Number(index[6].replace(/,/g, '')) * 1048576;
  }
  // The agent's private memory (RssAnon) as it logs it once the index is built and once the live objects are marked.
  const privateAt = (line: RegExp): number | undefined => {
    const m = log.map((l) => (line.test(l) ? /private memory ([\d,]+) MB/.exec(l) : null)).find((x) => x);
    return m ? Number(m[1].replace(/,/g, '')) * 1048576 : undefined;
  };
  const indexed = privateAt(/Indexed [\d,]+ objects/);
  if (indexed !== undefined) values.indexedPrivateBytes = indexed;
  const marked = privateAt(/Marked [\d,]+ live objects/);
  if (marked !== undefined) values.markedPrivateBytes = marked;
  // The live marks (SnapshotIndexOpener): the roots from every thread's stack and the handles, then the marking.
  const live = log.map((l) => /Marked [\d,]+ live objects from [\d,]+ roots: roots (\d+) ms, marking (\d+) ms/.exec(l)).find((m) => m);
  if (live) [values.liveRootsMs, values.liveMarkMs] = live.slice(1, 3).map(Number);
  // The tree hangs from the live roots found at open: no root names are gathered for it.
  const retention = log.map((l) => /Retention of [^:]+: dominator tree (\d+) ms, per type (\d+) ms .*?kept ([\d.]+) bytes per object/.exec(l)).find((m) => m);
  if (retention) {
    values.retentionMs = Number(retention[1]) + Number(retention[2]);
    values.dominatorTreeMs = Number(retention[1]);
    values.retentionKeptBytesPerObject = Number(retention[3]);
  }
  const rootsAt = log.findIndex((l) => l.includes(`Roots of ${snapshotId}:`));
  const roots = rootsAt >= 0 ? /, (\d+) ms\.$/.exec(log[rootsAt]) : null;
  if (roots) values.rootsCatalogMs = Number(roots[1]);
  const path = log.slice(Math.max(0, rootsAt)).map((l) => /Retention paths of object [\d,]+: searched [\d,]+ objects in (\d+) ms, named [\d,]+ links in (\d+) ms/.exec(l)).find((m) => m);
  if (path) [values.pathSearchMs, values.pathNamesMs] = path.slice(1, 3).map(Number);
  return values;
}

/** A logger that keeps every agent log line in `log` (for agentLogMeasures) and echoes trace lines when verbose. */
export function keepingLogger(log: string[], verbose: boolean): Logger {
  return {
    info: (m) => log.push(m),
    warn: (m) => log.push(m),
    error: (m) => log.push(m),
    trace: (m) => {
      log.push(m);
      if (verbose) console.error(m);
    },
  };
}
