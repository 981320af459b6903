// The API activate() returns. Besides `version`, everything here is for tests only (test/host/): it lets a
// suite in a real extension host read the views' data providers and capture a process without clicking. It is
// returned only when the extension runs under tests (ExtensionMode.Test); otherwise activate() returns just the
// version (HeapLensPublicApi).
import type { HeapAnalysis } from '../snapshots/heapAnalysis';
import type { SnapshotStore } from '../snapshots/snapshotStore';
import type { HeapCapture } from './capture/captureHeap';
import type { CodeLensFeature } from './codeLens/register';
import type { DominatorsTree } from './dominators/dominatorsTree';
import type { WorkspaceIndex } from './goToSource/workspaceIndex';
import type { HeapTypesTree } from './heapTypes/heapTypesTree';
import type { InsightsTree } from './insights/insightsTree';
import type { LiveMemoryFeature } from './liveMemory/register';
import type { RetentionTree } from './retentionPaths/retentionTree';
import type { SnapshotsTree } from './snapshots/snapshotsTree';
import type { SummaryPages } from './summary/register';

/** What every other extension gets. */
export interface HeapLensPublicApi {
  readonly version: string;
}

export interface HeapLensApi {
  readonly version: string;
  /** Test-only: the window's snapshots. */
  readonly snapshots: SnapshotStore;
  /** Test-only: the views' tree data providers. */
  readonly snapshotsTree: SnapshotsTree;
  readonly heapTypes: HeapTypesTree;
  readonly retentionPaths: RetentionTree;
  readonly dominators: DominatorsTree;
  /** Test-only: the shared analysis agent (its pid, to check restarts). */
  readonly analysis: HeapAnalysis;
  /** Test-only: Go to Source's own C# index. */
  readonly sourceIndex: WorkspaceIndex;
  /** Test-only: the same as the Capture Heap command with `{ pid }` or `{ session }`. */
  readonly capture: HeapCapture;
  /** Test-only: the Insights view's data provider. */
  readonly insights: InsightsTree;
  /** Test-only: the open summary pages (their state and what each page reports it drew). */
  readonly summaries: SummaryPages;
  /** Test-only: the code lens provider (while enabled) and its per-document parse cache. */
  readonly codeLens: CodeLensFeature;
  /** Test-only: the live memory monitor and the Memory view (what its page reports it drew). */
  readonly liveMemory: LiveMemoryFeature;
}
