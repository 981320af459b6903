// The heaplens debug adapter's own part of the Debug Adapter Protocol: the launch/attach configuration it reads,
// its custom request and event, and the ids of the errors it answers with. The adapter (src/debugAdapter) and the
// extension (src/debug, features) both import these names; the strings appear nowhere else.

/** The `type` of a heaplens debug configuration. */
export const DEBUG_TYPE = 'heaplens';

/** Where a launched program's console goes. */
export type ConsoleKind = 'internalConsole' | 'integratedTerminal';

/** `request: "launch"`: run a program (`program`) or open a dump post-mortem (`dumpPath`). Exactly one of the two. */
export interface LaunchConfiguration {
  /** A .dll, or a .csproj / project folder (built with `dotnet build` first). */
  program?: string;
  args?: string[];
  /** Working directory of the program (default: the project folder, or the .dll's folder). */
  cwd?: string;
  /** Added to (or, with null, removed from) the adapter's environment. */
  env?: Record<string, string | null>;
  console?: ConsoleKind;
  /** A core dump to open instead of running anything. */
  dumpPath?: string;
  /** Log the adapter's protocol traffic to the Debug Console. */
  trace?: boolean;
}

/** `request: "attach"`: a running .NET process (a number, or the text `${command:…}` produced). */
export interface AttachConfiguration {
  processId: number | string;
  trace?: boolean;
}

/** A request the client sends with `customRequest(command, args)`; the type parameters only document the shapes. */
export interface CustomRequest<Args, Result> {
  readonly command: string;
  /** Never set: carries the argument and result types for callers. */
  readonly _types?: { args: Args; result: Result };
}

/** A custom event the adapter sends; `body` has the given shape. */
export interface CustomEvent<Body> {
  readonly event: string;
  readonly _body?: Body;
}

export interface CaptureHeapArguments {
  /**
   * Where to keep the dump. Without it the dump lives in the session's private temporary folder and is deleted
   * when the session ends.
   */
  path?: string;
  /** Run a full GC first when the program is running (default true); a paused program is captured as it is. */
  collect?: boolean;
}

/** A heap snapshot the session holds: its id in the session's agent, its dump, and its live objects. */
export interface SnapshotSummary {
  snapshotId: string;
  dumpPath: string;
  objects: number;
  bytes: number;
  /** True when a full GC ran just before this dump; false or absent when it was written as it was. */
  collected?: boolean;
}

export type SnapshotReason = 'pause' | 'capture' | 'dump';

export interface SnapshotEventBody extends SnapshotSummary {
  /** What took it: a pause, a captureHeap request, or opening a dump. */
  reason: SnapshotReason;
  /** The process it was taken of (absent for a dump opened post-mortem). */
  processId?: number;
}

export const CustomRequests = {
  /** Takes a snapshot of the running (or paused) program's heap; on a dump session, answers with the dump. */
  captureHeap: { command: 'heaplens.captureHeap' } as CustomRequest<CaptureHeapArguments, SnapshotSummary>,
} as const;

export const CustomEvents = {
  /** Sent whenever the session takes a snapshot (pause, captureHeap, or a dump opened). */
  snapshot: { event: 'heaplens.snapshot' } as CustomEvent<SnapshotEventBody>,
} as const;

/** `error.id` of the adapter's error responses; every one has `showUser: true` and a message for the user. */
export const enum AdapterErrorId {
  BadConfiguration = 4001,
  ProgramNotFound = 4002,
  BuildFailed = 4003,
  LaunchFailed = 4004,
  NotDotnet = 4005,
  ProcessExited = 4006,
  CaptureFailed = 4007,
  DumpUnreadable = 4008,
  NotStopped = 4009,
  Internal = 4099,
}
