// The wire between the extension/CLI and the C# analysis agent (agent/): JSON-RPC 2.0 over stdio with
// Content-Length framing. Method names appear here and in agent/HeapLens.Agent/Rpc/Methods.cs only.
// Addresses travel as "0x…" hex strings because 64-bit values do not fit a JavaScript number.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/** "0x7f3a…" lower-case hex. */
export type Address = string;

// ---- the agent itself ---------------------------------------------------------------------------

export interface AgentVersion {
  /** package.json's version, stamped into the agent when it is built; callers refuse an agent of another version. */
  version: string;
}

// ---- snapshot lifecycle -------------------------------------------------------------------------

export interface OpenSnapshotParams {
  /** Absolute path of a core dump. */
  path: string;
  /** Optional: a libmscordaccore.so the user named. Loaded only if owned by root or the user, not writable by others. */
  dacPath?: string;
  /**
   * Optional: folders the user configured (`--dac-dir`, `heaplens.dacSearchPaths`), each searched as a symbol store
   * (`libmscordaccore.so/elf-buildid-coreclr-<build id>/libmscordaccore.so`) and as a plain folder, before the
   * runtimes installed here and the dump's own runtime folder.
   */
  dacSearchPaths?: string[];
}
export interface SnapshotInfo {
  snapshotId: string;
  path: string;
  /** Runtime version as the dump reports it, e.g. "10.0.12". */
  runtimeVersion: string;
  gcMode: 'workstation' | 'server';
  pointerSize: number;
  /** Live objects (reachable from a root; free space excluded) and their bytes. */
  objects: number;
  bytes: number;
  /** Objects no root reaches (dead, waiting for the next GC) and their bytes: SOS `dumpheap -stat` counts them too. */
  unreachable: CountAndBytes;
  /** Milliseconds spent opening the dump and building the index. */
  indexMs: number;
  /** Bytes of agent memory the snapshot's index holds while it is open (what the memory budget counts). */
  indexBytes: number;
  /** The process the dump was written from, when the dump records it (a diff of two processes is warned about). */
  processId?: number;
}
export interface SnapshotRef {
  snapshotId: string;
}

/** A count of objects and their bytes. */
export interface CountAndBytes {
  count: number;
  bytes: number;
}

/**
 * Which objects a query counts. Live (the default): only objects reachable from a root, as dotnet-gcdump and Visual
 * Studio show. `all: true`: unreachable objects too, exactly SOS `dumpheap -stat`.
 */
export interface ReachabilityParam {
  all?: boolean;
}

// ---- dumpheap -stat -----------------------------------------------------------------------------

export interface HeapStatsParams extends SnapshotRef, ReachabilityParam {
  /** Only the first N types after sorting (and `offset`); all when absent. */
  top?: number;
  /** Types to skip after sorting and filtering (paging); 0 when absent. */
  offset?: number;
  /** Only types whose name contains this, case-insensitive. */
  filter?: string;
  sort?: 'bytes' | 'count' | 'retained';
}
export interface TypeStat {
  name: string;
  count: number;
  bytes: number;
  /**
   * Bytes freed if every live instance of the type went: the sum of the retained sizes of the live instances that no
   * other instance of the same type dominates. Sizes as `bytes` counts them, so figures add up. Unreachable instances
   * retain nothing.
   */
  retainedBytes: number;
}
export interface HeapStats {
  objects: number;
  bytes: number;
  free: { count: number; bytes: number };
  /** Objects no root reaches; included in objects/bytes/types only with `all`. */
  unreachable: CountAndBytes;
  /** Grouped by type name as ClrMD prints it; free space is not among them. */
  types: TypeStat[];
  /** Types that matched the filter, of which `types` is the requested page ("200 of 50,000"). */
  totalTypes: number;
}

// ---- eeheap -gc ---------------------------------------------------------------------------------

export interface HeapSegmentTotals {
  index: number;
  gen0: number;
  gen1: number;
  gen2: number;
  loh: number;
  poh: number;
  /** Bytes of free objects on this heap, across all generations. */
  free: number;
}
export interface HeapLayout {
  gcMode: 'workstation' | 'server';
  heaps: HeapSegmentTotals[];
}

// ---- instances and objects ----------------------------------------------------------------------

export interface InstancesParams extends SnapshotRef, ReachabilityParam {
  type: string;
  offset?: number;
  limit?: number;
}
export interface Instance {
  address: Address;
  size: number;
  /** Bytes freed if this object went (itself included); 0 for an unreachable object. */
  retainedBytes: number;
  /** Set (true) only for an object no root reaches (listed with `all`). */
  unreachable?: boolean;
}
export interface Instances {
  type: string;
  /** All instances of the type counted by the query (live, or all with `all`), not just this page. */
  count: number;
  instances: Instance[];
}

export interface ObjectParams extends SnapshotRef {
  address: Address;
}
export interface ObjectField {
  name: string;
  type: string;
  /** Primitive values as text, strings as their text in quotes, references as "0x…" (or "null"). */
  value: string;
  /** Set when the field refers to a heap object, so a UI can expand it. */
  address?: Address;
}
export interface HeapObject {
  address: Address;
  type: string;
  size: number;
  /** For System.String: the text (possibly truncated to a few thousand characters). */
  text?: string;
  /** For arrays: the element count. */
  length?: number;
  /** Bytes freed if this object went (itself included); 0 when unreachable. */
  retainedBytes: number;
  /** True when no root reaches the object (dead, waiting for the next GC). */
  unreachable: boolean;
  fields: ObjectField[];
}

// ---- retention paths (gcroot) -------------------------------------------------------------------

export interface RootsParams extends SnapshotRef {
  /** Exactly one of address and type. */
  address?: Address;
  type?: string;
  /**
   * With type: how many paths to return (default 10). Since grouped paths exist, `roots` by type returns one example
   * path per retention group (see heap/retentionGroups), largest retained bytes first, not the first instances by
   * address.
   */
  max?: number;
  /** Every link of each path, no run folded (`repeat` never set): megabytes for a long chain. */
  full?: boolean;
}
export type RootKind = 'stack' | 'static' | 'handle' | 'finalizer' | 'other';
export type HandleKind = 'strong' | 'pinned' | 'weak' | 'refcounted' | 'asyncpinned' | 'sizedref' | 'dependent' | 'other';
export interface RootDescription {
  kind: RootKind;
  /** kind = handle. */
  handleKind?: HandleKind;
  /** kind = stack: managed thread id. kind = static: set only for a [ThreadStatic] field, the thread whose value it is. */
  thread?: number;
  /** kind = stack: "Ns.Type.Method". */
  method?: string;
  /** kind = stack: source location of the frame from the portable PDB, when one is found. */
  file?: string;
  line?: number;
  /** kind = static: "Ns.Type.fieldName". */
  field?: string;
}
export interface PathLink {
  address: Address;
  type: string;
  /** The field (or "[i]") of the previous link that refers to this one; null on links[0]. */
  field: string | null;
  /**
   * Set when the agent folded a run (unless `full` was asked): this entry stands for `repeat` links in a row with
   * this type and field, `address` being the first of them; the next entry is the run's last link. Runs of at least
   * 4 equal links are folded, so a 100,000-link chain crosses the wire as a few entries.
   */
  repeat?: number;
}
export interface RetentionPath {
  root: RootDescription;
  /** links[0] is the object the root refers to; the last link is the target. */
  links: PathLink[];
  /**
   * Set when the path was too long to send whole (more than 10,000 links): `count` links were left out between
   * links[after - 1] and links[after]; the ends (root side and target side) are kept.
   */
  omitted?: { after: number; count: number };
}
export interface RetentionPaths {
  paths: RetentionPath[];
}

// ---- grouped retention paths (MAT "merge shortest paths", dotMemory "similar retention") ---------

export interface RetentionGroupsParams extends SnapshotRef {
  type: string;
  /** At most this many groups (default 50); the rest are summed in `otherGroups`. */
  max?: number;
}
/** One link of a grouped path: no address (it differs between instances), array indices dropped ("[]"). */
export interface GroupLink {
  type: string;
  /** Field of the previous link ("[]" for an array element); null on links[0]. */
  field: string | null;
  /**
   * Equal links in a row (the same field and type) are one link of the group; `repeat` is set when, on the example's
   * path, this link stands for a run of `repeat` of them (other instances' runs may be longer or shorter).
   */
  repeat?: number;
}
export interface RetentionGroup {
  /** Live instances of the type whose shortest path has this shape. */
  count: number;
  /** Their own bytes. */
  bytes: number;
  /**
   * Bytes freed if all of them went: the retained sizes of its instances that no other instance of the type
   * dominates (as for TypeStat.retainedBytes, so the groups of a type add up to the type's figure).
   */
  retainedBytes: number;
  root: RootDescription;
  /** links[0] is the object the root refers to; the last link is the type itself. */
  links: GroupLink[];
  /** One instance of the group, the one that retains most (its path is what a client shows when the group is expanded). */
  example: Address;
  /** Set when the shape was too long to send whole (more than 10,000 links), as on RetentionPath. */
  omitted?: { after: number; count: number };
}
export interface RetentionGroups {
  type: string;
  /** Live instances of the type. */
  instances: number;
  /** Largest retainedBytes first. */
  groups: RetentionGroup[];
  /** Groups beyond `max`, summed; absent when there are none. */
  otherGroups?: { groups: number; count: number; bytes: number; retainedBytes: number };
}

// ---- dominator tree -----------------------------------------------------------------------------

export interface DominatorsParams extends SnapshotRef {
  /** Without it: the objects that retain most, roots' own pseudo-objects excluded. With it: that object's children in
   * the dominator tree (the objects it alone keeps alive, directly). */
  address?: Address;
  /** How many items (default 50), after `offset`. */
  top?: number;
  offset?: number;
}
export interface Dominator {
  address: Address;
  type: string;
  size: number;
  /** Bytes freed if this object went (itself included). */
  retainedBytes: number;
  /** Objects freed if this object went (itself included). */
  retainedObjects: number;
  /** How many children it has in the dominator tree (0 = a leaf), so a UI knows whether it expands. */
  children: number;
  /** The root of its shortest retention path. Absent in children lists (the parent is known). */
  root?: RootDescription;
}
export interface Dominators {
  liveObjects: number;
  liveBytes: number;
  /** Largest retainedBytes first. */
  items: Dominator[];
  /** Items there are in all (top-level list or the children of `address`), of which `items` is the page. */
  total: number;
}

// ---- diff ---------------------------------------------------------------------------------------

export interface DiffParams extends ReachabilityParam {
  before: string;
  after: string;
  /** Paging and filtering as in heap/stats; all types when absent. */
  top?: number;
  offset?: number;
  filter?: string;
  /** 'growth' (default): by growth in bytes; 'bytes' / 'count': by the later snapshot's size. */
  sort?: 'growth' | 'bytes' | 'count' | 'retained';
}
export interface TypeDiffSide {
  count: number;
  bytes: number;
  retainedBytes: number;
}
export interface TypeDiff {
  name: string;
  before: TypeDiffSide;
  after: TypeDiffSide;
}
export interface HeapDiff {
  /** Sorted by growth in bytes, largest first (or by `sort`); types present in only one snapshot have zeros on the other side. */
  types: TypeDiff[];
  /** Types that matched the filter, of which `types` is the requested page. */
  totalTypes: number;
  /** Unreachable objects on each side (included in the rows only with `all`). */
  unreachable: { before: CountAndBytes; after: CountAndBytes };
}

// ---- threads and stacks (for the debug adapter) ------------------------------------------------

export interface StackFrameInfo {
  method: string;
  /** Instruction pointer as hex. */
  ip: Address;
  file?: string;
  line?: number;
  /** Runtime frames with no managed method ("[Native Frames]", stubs). */
  kind: 'managed' | 'runtime';
}
export interface ExceptionInfo {
  type: string;
  message: string;
  address: Address;
  /** The exception's own stack trace, top frame first, as the runtime recorded it. */
  frames: StackFrameInfo[];
}
export interface ThreadInfo {
  /** Managed thread id. */
  managedId: number;
  /** OS thread id. */
  osId: number;
  name?: string;
  isFinalizer: boolean;
  /** The thread that ran Main. */
  isMain: boolean;
  /** The exception this thread is throwing, if any. */
  exception?: ExceptionInfo;
  frames: StackFrameInfo[];
}
export interface Threads {
  threads: ThreadInfo[];
}

// ---- insights -----------------------------------------------------------------------------------

export interface InsightsParams extends SnapshotRef {
  /** An earlier snapshot of the same program: growth (events, collections, dynamic assemblies) is measured against it. */
  baselineId?: string;
}
/**
 * What an insight is about. Figures per kind (numbers are counts or bytes unless named otherwise):
 * - `event-handlers`: one event (or delegate field) whose invocation lists hold many handlers. Figures: declaringType,
 *   event (the field's name), publishers (objects holding it; 0 for a static event), delegates (handlers in all),
 *   maxDelegates (on one publisher), targetTypes (comma-separated), targets, keptObjects and keptBytes (what only
 *   these handlers keep alive: reachable from the targets, unreachable from any root once the event's delegates are
 *   removed), and with a baseline delegatesBefore, delegatesGrowth. Reported from 10 handlers on one publisher;
 *   a warning from 100, or when it grew since the baseline. Locations: first the `+=` lines that subscribe to it
 *   (role `subscription`, found in the program's IL: calls to the event's add_ accessor through the declaring type, a
 *   base type or an interface), each with `handlers` when the delegates' methods tell how many it added; then the
 *   handler methods' first lines (role `handler`).
 * - `growing-collection` (needs a baseline): a collection held by a static field (or by a field of an object a
 *   static holds) that grew. Figures: field ("Ns.Type.field[.field]"), collectionType, countBefore, countAfter,
 *   growth. A warning from 10 more elements. Location: the line that initializes the field.
 * - `duplicate-strings`: texts held by more than one string object, in total (one insight). Figures: wastedBytes (over
 *   every duplicated text, (copies - 1) × bytes of one copy each), wastedPercent (of stringBytes, the bytes of live
 *   strings), stringBytes, duplicatedTexts, extraCopies; for the text that wastes most: text (first 80 characters),
 *   length, copies, bytesEach, textWastedBytes, and holders (the shape of the retention paths of a few of its copies:
 *   "static Ns.Program.Records → Record[] → [] Record → Status String (5 of 5 copies traced)"). The detail names the
 *   five largest texts. Reported from 1 MB wasted, or from 5% of stringBytes when that is at least 64 KB; a warning
 *   from 10 MB or 20%. Addresses: copies of the largest text.
 * - `loh-fragmentation`: free space between objects of the Large Object Heap. Figures: lohLiveBytes, lohFreeBytes,
 *   fragmentationPercent, freeBlocks, largestFreeBlock, lohObjects, largestType, largestTypeBytes. Reported from
 *   1 MB free; a warning from 4 MB free that is also 25% of the LOH.
 * - `finalizers`: three shapes, told apart by their figures. An empty finalizer: type, objects, finalizerILBytes
 *   (a warning from 100 objects; location: the finalizer). The finalization queue: readyForFinalization, registered,
 *   finalizerRunning and finalizerWaitingIn when the finalizer thread is inside a finalizer (a warning when it waits
 *   there with objects queued, or from 1,000 queued; location: the finalizer's line). Objects registered for
 *   finalization: registered, types (information, from 1,000 objects).
 * - `threads`: a join that never returns (warning): threads, threadIds ("7 → 7"), method, stackMappedBytes;
 *   location: the line that calls Join. Many threads at one line: threads, method, stackMappedBytes, stackUsedBytes
 *   (from 10 threads; a warning from 100); location: that line. The summary: threads, stackMappedBytes (stack
 *   address space reserved, read from the dump's memory regions), stackUsedBytes, stacksMeasured (a warning from
 *   100 threads).
 * - `dynamic-assemblies`: assemblies, dynamicAssemblies, and with a baseline dynamicBefore, dynamicGrowth. A warning
 *   from 10 more than the baseline, or (without one) from 100.
 * - `server-gc` (information): heaps, committedBytes, liveBytes, smallestHeapBytes, largestHeapBytes.
 * - `accumulation-point` (warning, listed first): a live object, not a root, that retains at least 10% of the live
 *   heap and at least 1 MB, or (with a baseline) whose retained size grew most, by at least 1 MB and 10%. Figures: type, address,
 *   retainedBytes, retainedObjects, retainedPercent (of live bytes), with a baseline retainedBefore and
 *   retainedGrowth, heldType (the type whose instances make up most of what it retains) and heldTypeBytes, root
 *   (the root of its shortest path, in words) and path (its links' types, " → "-joined). Addresses: the object.
 *   Location: the static field's declaration or the stack frame's line when the root has one.
 */
export type InsightKind =
  | 'accumulation-point'
  | 'event-handlers'
  | 'growing-collection'
  | 'duplicate-strings'
  | 'loh-fragmentation'
  | 'finalizers'
  | 'threads'
  | 'dynamic-assemblies'
  | 'server-gc';
export const insightKinds: readonly InsightKind[] = [
  'accumulation-point',
  'event-handlers',
  'growing-collection',
  'duplicate-strings',
  'loh-fragmentation',
  'finalizers',
  'threads',
  'dynamic-assemblies',
  'server-gc',
];
export interface SourceLocation {
  /** Path as the PDB records it (absolute on the machine that built the program). */
  file: string;
  /** 1-based. */
  line: number;
  /** event-handlers only: a `+=` line that subscribes to the event, or a handler method's first line. */
  role?: 'subscription' | 'handler';
  /** The method the line is in, "Namespace.Type.Method" (event-handlers). */
  method?: string;
  /** On a subscription: how many of the event's handlers it added, when the delegates' methods tell it. */
  handlers?: number;
}
export interface Insight {
  kind: InsightKind;
  severity: 'warning' | 'info';
  /** One line. */
  title: string;
  /** One paragraph: what was found, the usual cause and the usual fix. */
  detail: string;
  figures: Record<string, number | string>;
  locations: SourceLocation[];
  /** Heap types it is about, as heap/stats names them. */
  types?: string[];
  /** Objects whose retention path explains it (e.g. one subscriber, the publisher). */
  addresses?: Address[];
}
export interface Insights {
  /** Warnings first, then information; within a severity in the order of insightKinds. */
  insights: Insight[];
}

// ---- running processes (EventPipe sessions over the diagnostics socket) -------------------------

export interface ProcessTarget {
  pid: number;
  /** The process's diagnostics socket, found in the target's own TMPDIR (src/diagnostics/diagnosticSockets.ts). */
  socketPath: string;
}
export interface CollectParams extends ProcessTarget {
  /** How long the whole collection may take (default 30 s). */
  timeoutMs?: number;
}
export interface CollectResult {
  /** A full blocking GC ran and ended. */
  collected: true;
  /** The runtime's number of that GC (GCEnd's Count). */
  gcNumber: number;
  ms: number;
}

export interface TraceStartParams extends ProcessTarget {
  /** System.Runtime counters once a second and every GC, as notifications (default true). */
  counters?: boolean;
  /** Sample allocations with their stacks, for trace/allocations (default false). */
  allocations?: boolean;
  /** How long starting the session may take (default 30 s). */
  timeoutMs?: number;
}
export interface TraceStarted {
  sessionId: string;
}
export interface TraceStopParams {
  sessionId: string;
  /** Stop the event session but keep its allocation samples readable (trace/allocations) until a later trace/stop without it. */
  keepSamples?: boolean;
}
/** One second of the runtime's counters; null where the runtime gave no figure. Times: ms since the epoch. */
export interface CounterSample {
  sessionId: string;
  time: number;
  gcHeapBytes: number | null;
  gen0Bytes: number | null;
  gen1Bytes: number | null;
  gen2Bytes: number | null;
  lohBytes: number | null;
  pohBytes: number | null;
  allocatedBytesPerSecond: number | null;
  /** GCs of each generation during the interval. */
  gcCounts: { gen0: number | null; gen1: number | null; gen2: number | null };
  workingSetBytes: number | null;
  timeInGcPercent: number | null;
}
/** A GC that ended: when it started, its number and generation, why, and how long it took. */
export interface GcEvent {
  sessionId: string;
  time: number;
  number: number;
  generation: number;
  reason: string;
  durationMs: number;
}
export interface TraceEnded {
  sessionId: string;
  /** stopped: by trace/stop; exited: the process exited; failed: the stream broke (message says why). */
  reason: 'stopped' | 'exited' | 'failed';
  message: string;
}
export interface AllocationsParams {
  sessionId: string;
  /** Only this type (as the runtime names it, e.g. "System.Byte[]"). */
  type?: string;
  /** Only samples taken in [from, to] (ms since the epoch); the whole session when absent. */
  from?: number;
  to?: number;
  topTypes?: number;
  topSites?: number;
}
export interface AllocationSite {
  method: string;
  /** The first frame with a source line (user code), from its portable PDB; null when none had one. */
  file: string | null;
  line: number | null;
  samples: number;
  /** This site's part of its type's samples, 0..1. */
  share: number;
  /** Frames from the allocation up to that user frame, "Method (file:line)". */
  stack: string[];
}
export interface AllocatedType {
  name: string;
  samples: number;
  estimatedBytes: number;
  sites: AllocationSite[];
}
export interface AllocationReport {
  seconds: number;
  sampling: 'AllocationSampled' | 'GCAllocationTick';
  /** What the sampling means, in words. */
  samplingText: string;
  samples: number;
  /** By estimated bytes, largest first; sites by samples. */
  types: AllocatedType[];
  /** Samples before this time (ms since the epoch) were dropped: the agent keeps at most 200,000 (second, type, stack) counts. */
  droppedBefore?: number;
}

// ---- notifications from the agent ---------------------------------------------------------------

export interface ProgressParams {
  /** The request this progress belongs to (its JSON-RPC id), when known. */
  requestId?: number | string;
  message: string;
  /** 0–100, when the step knows how far it is. */
  percent?: number;
}

// ---- the typed methods --------------------------------------------------------------------------

export const Methods = {
  open: new RequestType<OpenSnapshotParams, SnapshotInfo, void>('snapshot/open'),
  close: new RequestType<SnapshotRef, void, void>('snapshot/close'),
  stats: new RequestType<HeapStatsParams, HeapStats, void>('heap/stats'),
  layout: new RequestType<SnapshotRef, HeapLayout, void>('heap/layout'),
  instances: new RequestType<InstancesParams, Instances, void>('heap/instances'),
  object: new RequestType<ObjectParams, HeapObject, void>('heap/object'),
  roots: new RequestType<RootsParams, RetentionPaths, void>('heap/roots'),
  retentionGroups: new RequestType<RetentionGroupsParams, RetentionGroups, void>('heap/retentionGroups'),
  dominators: new RequestType<DominatorsParams, Dominators, void>('heap/dominators'),
  diff: new RequestType<DiffParams, HeapDiff, void>('heap/diff'),
  threads: new RequestType<SnapshotRef, Threads, void>('runtime/threads'),
  insights: new RequestType<InsightsParams, Insights, void>('heap/insights'),
  collect: new RequestType<CollectParams, CollectResult, void>('process/collect'),
  traceStart: new RequestType<TraceStartParams, TraceStarted, void>('trace/start'),
  traceStop: new RequestType<TraceStopParams, void, void>('trace/stop'),
  traceAllocations: new RequestType<AllocationsParams, AllocationReport, void>('trace/allocations'),
  shutdown: new RequestType0<void, void>('agent/shutdown'),
  version: new RequestType0<AgentVersion, void>('agent/version'),
} as const;

export const Notifications = {
  progress: new NotificationType<ProgressParams>('agent/progress'),
  traceCounters: new NotificationType<CounterSample>('trace/counters'),
  traceGc: new NotificationType<GcEvent>('trace/gc'),
  traceEnded: new NotificationType<TraceEnded>('trace/ended'),
} as const;

/** JSON-RPC error codes the agent uses; the message is meant for the user. */
export const enum AgentErrorCode {
  InvalidParams = -32602,
  /** The dump could not be opened: missing, truncated, corrupt, or no matching DAC. */
  DumpUnreadable = 1001,
  UnknownSnapshot = 1002,
  UnknownType = 1003,
  InvalidAddress = 1004,
  /** A running process could not be reached through its diagnostics socket, or went away. */
  TargetUnreachable = 1005,
  /** A running process did not do what was asked within the time limit. */
  TargetTimedOut = 1006,
  UnknownTraceSession = 1007,
  /** The answer is larger than the reply limit (the agent's or the reader's): ask for less. */
  ReplyTooLarge = 1008,
  Cancelled = -32800,
}
