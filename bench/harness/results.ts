// The shape of bench/results.json: what one `npm run bench` measured, on which machine, and whether every answer
// the agent gave was right (a fast wrong answer is not a result). BENCHMARKS.md is rendered from this alone.

/** One measure over the runs: every sample, and the median with its spread. */
export interface Summary {
  unit: 'ms' | 'bytes' | 'ratio' | 'bytes/object';
  samples: number[];
  median: number;
  min: number;
  max: number;
}

/** The plan HeapShapes prints before each READY: what it built, by its own count. */
export interface HeapPlan {
  requested: number;
  /** Objects the program made itself; the runtime adds a few thousand of its own. */
  objects: number;
  cacheEntries: number;
  chainLength: number;
  /** The deep object's type: one instance, at the far end of the chain. */
  deepType: string;
  /** The type whose first ten instances get retention paths. */
  pathsType: string;
  /** Exact instance counts of the program's own types. */
  types: Record<string, number>;
}

export interface Machine {
  cpuModel: string;
  /** `nproc`: the cores this process may use. */
  cores: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
  /** 1, 5 and 15 minute load averages when the benchmark started, and when it ended. */
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  os: string;
  kernel: string;
  dotnetRuntimes: string[];
  node: string;
}

export interface BuildInfo {
  commit: string;
  /** Uncommitted changes in the work tree when the benchmark ran. */
  dirty: boolean;
  agentPath: string;
  agentBuiltAt: string;
}

/** dotnet-dump (SOS) run on the same dump in the same run, when it is on PATH or can be installed. */
export interface Comparison {
  tool: 'dotnet-dump';
  available: boolean;
  command?: string;
  version?: string;
  /** Why it is not available: the installer's own words. */
  reason?: string;
}

/** Measure ids, in the order the table shows them. */
export const MEASURES = [
  'dumpBytes',
  'captureMs',
  'catMs',
  'agentStartMs',
  'openMs',
  'indexMs',
  'statsMs',
  'openPlusStatsMs',
  'openPlusStatsVsCat',
  'statsVsCat',
  'layoutMs',
  'instancesMs',
  'instancesDeepMs',
  'firstPathMs',
  'tenPathsMs',
  'openAfterMs',
  'diffMs',
  // The dominator tree and retained sizes (built by the first statistics), the biggest retainers, grouped paths.
  'retentionMs',
  'dominatorTreeMs',
  'retentionKeptBytesPerObject',
  'retentionPeakBytesPerObject',
  'dominatorsMs',
  'groupsMs',
  'groupsPerMillionMs',
  // Where open and the first path spend their time, as the agent's log tells it.
  'indexWalkMs',
  'indexColumnsMs',
  'indexForwardMs',
  'indexReverseMs',
  'indexPagesMs',
  'liveRootsMs',
  'liveMarkMs',
  'rootsCatalogMs',
  'pathSearchMs',
  'pathNamesMs',
  'agentIdleRssBytes',
  'agentIdleAnonBytes',
  'agentOpenPeakAnonBytes',
  'agentOpenPrivateBytesPerObject',
  'indexedPrivateBytes',
  'markedPrivateBytes',
  'agentPeakAnonBytes',
  'agentPrivateBytesPerObject',
  'managedHeapBytes',
  'agentPeakRssBytes',
  'agentBytesPerObject',
  'agentAnonRssBytes',
  'agentFileRssBytes',
  'agentPeakAnonTwoSnapshotsBytes',
  'agentPeakRssTwoSnapshotsBytes',
  // Whole processes, as a user runs them: the CLI (its own agent) and dotnet-dump.
  'cliStatsMs',
  'cliStatsReopenMs',
  'cliStatsReopenVsFirst',
  'cliRootsMs',
  'cliRootsReopenMs',
  'dotnetDumpStatMs',
  'dotnetDumpGcrootMs',
  'dotnetDumpStatVsCli',
  'dotnetDumpGcrootVsCli',
  'dotnetDumpStatVsAgent',
  'dotnetDumpGcrootVsAgent',
] as const;
export type MeasureId = (typeof MEASURES)[number];

/** One agent session (and the comparison tool) on the same pair of dumps. */
export interface RunSample {
  run: number;
  values: Partial<Record<MeasureId, number>>;
  /** Checks of the agent's answers against the plan that failed in this run. */
  failures: string[];
  notes: string[];
}

export interface SizeResult {
  requested: number;
  plan: HeapPlan;
  planAfterGrow: HeapPlan;
  /** As the agent counts them (the runtime's own objects included). */
  objects: number;
  bytes: number;
  runtimeVersion: string;
  /** The biggest heap type by bytes, whose instances are listed. */
  biggestType: string;
  deepAddress: string;
  afterGrowDumpBytes: number;
  captures: number;
  runs: RunSample[];
  measures: Partial<Record<MeasureId, Summary>>;
  /** Checks that passed, in words, so a reader sees what was verified. */
  checked: string[];
  failures: string[];
}

/** The plan bench/ManyTypes prints before READY. */
export interface ViewsPlan {
  types: number;
  items: number;
  chainLength: number;
  /** The type with `items` instances, and the type of the chain's links. */
  itemType: string;
  linkType: string;
}

export const VIEWS_MEASURES = [
  'viewsOpenMs',
  'statsTopMs',
  'statsTopByCountMs',
  'statsAllMs',
  'statsAllJsonBytes',
  'itemsFirstPageMs',
  'itemsMiddlePageMs',
  'itemsLastPageMs',
  'rareTypePageMs',
  'groupItemsMs',
  'cancelOpenMs',
  'cancelRootsMs',
  'statsAfterCancelMs',
] as const;
export type ViewsMeasureId = (typeof VIEWS_MEASURES)[number];

/** The views at scale: many heap types and one type with millions of instances (bench/harness/viewsRun.ts). */
export interface ViewsResult {
  plan: ViewsPlan;
  /** Live objects as the agent counts them. */
  objects: number;
  dumpBytes: number;
  runs: number;
  measures: Partial<Record<ViewsMeasureId, Summary>>;
  checked: string[];
  failures: string[];
}

export interface BenchResults {
  schema: 1;
  mode: 'quick' | 'full' | 'custom';
  note?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  runsPerSize: Record<string, number>;
  machine: Machine;
  build: BuildInfo;
  comparison: Comparison;
  sizes: SizeResult[];
  /** The views at scale; absent with --no-views. */
  views?: ViewsResult;
  /** The cost of allocation sampling to a CPU-bound target (bench/harness/samplingRun.ts). */
  sampling?: import('./samplingRun').SamplingResult;
  /** Sizes that could not be measured at all, and why. */
  errors: string[];
}
