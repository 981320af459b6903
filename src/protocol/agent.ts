// The wire between the extension/CLI and the C# analysis agent (agent/): JSON-RPC 2.0 over stdio with
// Content-Length framing. Method names appear here and in agent/HeapLens.Agent/Rpc/Methods.cs only.
// Addresses travel as "0x…" hex strings because 64-bit values do not fit a JavaScript number.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/** "0x7f3a…" lower-case hex. */
export type Address = string;

// ---- snapshot lifecycle -------------------------------------------------------------------------

export interface OpenSnapshotParams {
  /** Absolute path of a core dump. */
  path: string;
  /** Optional: path of libmscordaccore.so when it is not beside the dump's libcoreclr.so. */
  dacPath?: string;
}
export interface SnapshotInfo {
  snapshotId: string;
  path: string;
  /** Runtime version as the dump reports it, e.g. "10.0.12". */
  runtimeVersion: string;
  gcMode: 'workstation' | 'server';
  pointerSize: number;
  /** Live objects (free space excluded) and their bytes. */
  objects: number;
  bytes: number;
  /** Milliseconds spent opening the dump and building the index. */
  indexMs: number;
}
export interface SnapshotRef {
  snapshotId: string;
}

// ---- dumpheap -stat -----------------------------------------------------------------------------

export interface HeapStatsParams extends SnapshotRef {
  /** Only the first N types after sorting; all when absent. */
  top?: number;
  sort?: 'bytes' | 'count';
}
export interface TypeStat {
  name: string;
  count: number;
  bytes: number;
}
export interface HeapStats {
  objects: number;
  bytes: number;
  free: { count: number; bytes: number };
  /** Grouped by type name as ClrMD prints it; free space is not among them. */
  types: TypeStat[];
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

export interface InstancesParams extends SnapshotRef {
  type: string;
  offset?: number;
  limit?: number;
}
export interface Instance {
  address: Address;
  size: number;
}
export interface Instances {
  type: string;
  /** All instances of the type, not just this page. */
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
  fields: ObjectField[];
}

// ---- retention paths (gcroot) -------------------------------------------------------------------

export interface RootsParams extends SnapshotRef {
  /** Exactly one of address and type. */
  address?: Address;
  type?: string;
  /** With type: how many instances to find paths for (default 10). */
  max?: number;
}
export type RootKind = 'stack' | 'static' | 'handle' | 'finalizer' | 'other';
export type HandleKind = 'strong' | 'pinned' | 'weak' | 'refcounted' | 'asyncpinned' | 'sizedref' | 'dependent' | 'other';
export interface RootDescription {
  kind: RootKind;
  /** kind = handle. */
  handleKind?: HandleKind;
  /** kind = stack: managed thread id. */
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
}
export interface RetentionPath {
  root: RootDescription;
  /** links[0] is the object the root refers to; the last link is the target. */
  links: PathLink[];
}
export interface RetentionPaths {
  paths: RetentionPath[];
}

// ---- diff ---------------------------------------------------------------------------------------

export interface DiffParams {
  before: string;
  after: string;
}
export interface TypeDiff {
  name: string;
  before: { count: number; bytes: number };
  after: { count: number; bytes: number };
}
export interface HeapDiff {
  /** Sorted by growth in bytes, largest first; types present in only one snapshot have zeros on the other side. */
  types: TypeDiff[];
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
  diff: new RequestType<DiffParams, HeapDiff, void>('heap/diff'),
  threads: new RequestType<SnapshotRef, Threads, void>('runtime/threads'),
  shutdown: new RequestType0<void, void>('agent/shutdown'),
} as const;

export const Notifications = {
  progress: new NotificationType<ProgressParams>('agent/progress'),
} as const;

/** JSON-RPC error codes the agent uses; the message is meant for the user. */
export const enum AgentErrorCode {
  InvalidParams = -32602,
  /** The dump could not be opened: missing, truncated, corrupt, or no matching DAC. */
  DumpUnreadable = 1001,
  UnknownSnapshot = 1002,
  UnknownType = 1003,
  InvalidAddress = 1004,
  Cancelled = -32800,
}
