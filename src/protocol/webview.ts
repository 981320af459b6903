// The wire between the extension and the snapshot summary page (a webview, src/webview/summary/): what the page is
// shown, and what it asks for, typed per direction. The page fetches nothing itself: everything it draws arrives in
// one `state` message, and its links come back as requests the extension checks against that state.

/** Bytes per generation of one GC heap (one heap under workstation GC, one per core under server GC). */
export interface GenerationBytes {
  heap: number;
  gen0: number;
  gen1: number;
  gen2: number;
  loh: number;
  poh: number;
  free: number;
}

export interface SummaryType {
  /** Full type name as the agent prints it. */
  name: string;
  count: number;
  bytes: number;
}

/** An object that keeps much of the heap alive on its own (the top of the dominator tree). */
export interface SummaryRetainer {
  address: string;
  /** Full type name as the agent prints it. */
  type: string;
  /** Bytes and objects freed if it went. */
  retainedBytes: number;
  retainedObjects: number;
  /** The root of its shortest retention path, in words ("Static field Program.Bus"). */
  root?: string;
}

/** One snapshot of the session, a point on the growth chart's x axis. */
export interface SessionPoint {
  snapshotId: string;
  label: string;
  takenAt: number;
}

/** Bytes of one heap type in each snapshot of the session (same order as SummaryState.session; 0 when absent). */
export interface GrowthSeries {
  type: string;
  bytes: number[];
  counts: number[];
}

/** A link the page may ask to follow. */
export type SummaryLink =
  | { kind: 'type'; type: string }
  | { kind: 'retention'; type?: string; address?: string }
  | { kind: 'source'; file: string; line: number; /** What the line is, e.g. "+= in Ns.View..ctor, 300 handlers". */ note?: string };

/** A place that allocated much of a type in the sampled period (from the Memory view's allocation sampling). */
export interface SummaryAllocationSite {
  /** Full type name as the runtime names it. */
  type: string;
  method: string;
  file: string | null;
  line: number | null;
  /** The site's part of the type's samples, 0..1. */
  share: number;
  /** Estimated bytes of the type allocated here (the type's estimate × share). */
  estimatedBytes: number;
}

/** The top allocation sites of the period before the snapshot (since the snapshot it is compared with, when sampled). */
export interface SummaryAllocations {
  /** The snapshot the period starts at, when the period is between two snapshots. */
  since?: string;
  seconds: number;
  samples: number;
  samplingText: string;
  sites: SummaryAllocationSite[];
}

export interface SummaryInsight {
  kind: string;
  severity: 'warning' | 'info';
  title: string;
  detail: string;
  figures: Record<string, number | string>;
  links: SummaryLink[];
}

export interface SummaryState {
  /** objects/bytes: live ones; unreachable: those no root reaches (in the generations' bytes, freed at the next GC). */
  snapshot: { id: string; label: string; takenAt: number; runtimeVersion?: string; objects: number; bytes: number; unreachable?: { count: number; bytes: number } };
  /** The snapshot the insights and growth compare with (the baseline, or the previous one of the same process). */
  comparedWith?: { id: string; label: string; reason: 'baseline' | 'previous' };
  gcMode: 'workstation' | 'server';
  heaps: GenerationBytes[];
  /** Largest first. */
  topTypes: SummaryType[];
  /** The objects that retain most, largest first; undefined when the agent could not say (see `problems`). */
  retainers?: SummaryRetainer[];
  /** Live bytes, of which each retainer keeps a share. */
  liveBytes?: number;
  /** Oldest first: this snapshot and the others of the same process or debug session. */
  session: SessionPoint[];
  growth: GrowthSeries[];
  /** Undefined while the agent cannot compute insights; `insightsNote` then says why. */
  insights?: SummaryInsight[];
  insightsNote?: string;
  /** Undefined when the process's allocations were not sampled in the period. */
  allocations?: SummaryAllocations;
  /** Parts that could not be loaded, in words (the rest of the page still shows). */
  problems: string[];
}

/** What the page reports it drew (read from its own DOM): tests check it, the log records it. */
export interface RenderedReport {
  /** The generation legend, e.g. ["gen0", "gen1", "gen2", "LOH", "POH"]. */
  generations: string[];
  heapBars: number;
  topTypes: string[];
  /** The types of the biggest retainers, in order. */
  retainers: string[];
  growthSeries: string[];
  insights: string[];
  /** The allocation sites listed, "Type file:line". */
  allocationSites: string[];
}

// ---- extension → page ---------------------------------------------------------------------------

export type ToSummaryPage = { type: 'loading'; label: string } | { type: 'state'; state: SummaryState } | { type: 'failed'; message: string };

// ---- page → extension ---------------------------------------------------------------------------

export type FromSummaryPage =
  | { type: 'ready' }
  | { type: 'follow'; link: SummaryLink }
  | { type: 'rendered'; report: RenderedReport };

/** The page's saved state (vscode.setState), so a reloaded window can reopen the same summary. */
export interface SummaryPageState {
  snapshotId: string;
}
