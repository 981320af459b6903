// The wire between the extension and the Memory view (a webview view, src/webview/memory/): the live counters of
// the monitored process, its GCs and the snapshots taken of it, typed per direction. The page fetches nothing: a
// `reset` gives it everything, then `append` adds each new second and GC, and `status` says what the session does.
import type { CounterSample, GcEvent } from './agent';

/** A HeapLens snapshot of the monitored process, marked on the time axis. */
export interface SnapshotMark {
  snapshotId: string;
  label: string;
  takenAt: number;
}

export interface MemoryStatus {
  /** idle: nothing monitored; starting; running; ended: the session ended (the chart stays); failed: it could not start. */
  state: 'idle' | 'starting' | 'running' | 'ended' | 'failed';
  /** The process, as people call it: "Allocations (process 1234)". */
  target?: string;
  /** Why it ended or failed, or what it waits for, in a sentence. */
  message?: string;
  /** True while allocations are sampled too. */
  sampling: boolean;
  snapshots: SnapshotMark[];
}

export type ToMemoryPage =
  | { type: 'reset'; status: MemoryStatus; samples: CounterSample[]; gcs: GcEvent[] }
  | { type: 'append'; samples: CounterSample[]; gcs: GcEvent[] }
  | { type: 'status'; status: MemoryStatus };

/** What the page drew, read back from its DOM: tests check it. */
export interface MemoryReport {
  /** Seconds drawn (points of the GC heap line). */
  points: number;
  gcMarks: number;
  /** The snapshot ids marked on the time axis. */
  snapshotMarks: string[];
  /** The latest figures in the legend, e.g. "GC heap 12.3 MB". */
  legend: string[];
  status: string;
}

export type FromMemoryPage = { type: 'ready' } | { type: 'selectSnapshot'; snapshotId: string } | { type: 'rendered'; report: MemoryReport };
