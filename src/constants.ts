// The ids HeapLens contributes in package.json (commands, views, context keys, settings), in one place, so code and
// manifest cannot drift: test/unit/contributions.test.ts checks every id here against package.json and back.

export enum Commands {
  CaptureHeap = 'heaplens.captureHeap',
  OpenDump = 'heaplens.openDump',
  RenameSnapshot = 'heaplens.renameSnapshot',
  DeleteSnapshot = 'heaplens.deleteSnapshot',
  RevealDump = 'heaplens.revealDump',
  SetBaseline = 'heaplens.setBaseline',
  ClearBaseline = 'heaplens.clearBaseline',
  ShowSnapshot = 'heaplens.showSnapshot',
  FilterHeapTypes = 'heaplens.filterHeapTypes',
  ClearHeapTypeFilter = 'heaplens.clearHeapTypeFilter',
  ChangeHeapTypeSort = 'heaplens.changeHeapTypeSort',
  GroupByNamespace = 'heaplens.groupByNamespace',
  UngroupHeapTypes = 'heaplens.ungroupHeapTypes',
  LoadMore = 'heaplens.loadMoreInstances',
  ShowRetentionPaths = 'heaplens.showRetentionPaths',
  GoToSource = 'heaplens.goToSource',
  ShowLog = 'heaplens.showLog',
  ShowSummary = 'heaplens.showSummary',
  FollowInsightLink = 'heaplens.followInsightLink',
  ShowAllObjects = 'heaplens.showAllObjects',
  ShowLiveObjects = 'heaplens.showLiveObjects',
  ShowInHeapTypes = 'heaplens.showInHeapTypes',
  RefreshDominators = 'heaplens.refreshDominators',
  LoadMoreDominators = 'heaplens.loadMoreDominators',
  MonitorMemory = 'heaplens.monitorMemory',
  StopMonitoring = 'heaplens.stopMonitoring',
  StartAllocationSampling = 'heaplens.startAllocationSampling',
  StopAllocationSampling = 'heaplens.stopAllocationSampling',
}

export enum Views {
  Container = 'heaplens',
  Snapshots = 'heaplens.snapshots',
  HeapTypes = 'heaplens.heapTypes',
  RetentionPaths = 'heaplens.retentionPaths',
  Insights = 'heaplens.insights',
  Dominators = 'heaplens.dominators',
  Memory = 'heaplens.memory',
}

/** Context keys HeapLens sets for `when` clauses in package.json. */
export enum ContextKeys {
  /** The debug types the Capture Heap button shows for: heaplens, coreclr, clr and the setting's extra types. */
  CaptureDebugTypes = 'heaplens.captureDebugTypes',
  /** True while the Heap Types view has a type-name filter. */
  HeapTypesFiltered = 'heaplens.heapTypesFiltered',
  /** True while the Heap Types view groups by namespace. */
  HeapTypesGrouped = 'heaplens.heapTypesGrouped',
  /** True while the Heap Types view counts all objects (unreachable ones too), false for live objects only. */
  HeapTypesAll = 'heaplens.heapTypesAll',
  /** True while a baseline snapshot is set. */
  HasBaseline = 'heaplens.hasBaseline',
  /** True while the Memory view monitors a process. */
  Monitoring = 'heaplens.monitoring',
  /** True while that monitoring samples allocations too. */
  SamplingAllocations = 'heaplens.samplingAllocations',
}

/** Settings, under the `heaplens.` section. */
export enum Settings {
  Section = 'heaplens',
  DebugTypes = 'debugTypes',
  DumpFolder = 'dumpFolder',
  DumpKind = 'dumpKind',
  PageSize = 'pageSize',
  TypesPageSize = 'typesPageSize',
  CaptureTimeout = 'captureTimeoutSeconds',
  AgentMemory = 'agentMemoryMB',
  CodeLensEnabled = 'codeLens.enabled',
  CollectBeforeCapture = 'collectBeforeCapture',
  DacSearchPaths = 'dacSearchPaths',
  LiveMemoryEnabled = 'liveMemory.enabled',
  SampleAllocations = 'liveMemory.sampleAllocations',
}

/** The debug types Capture Heap always supports; the `heaplens.debugTypes` setting adds more. */
export const BUILTIN_CAPTURE_DEBUG_TYPES = ['heaplens', 'coreclr', 'clr'];

/** The name of the output channel with the agent's log. */
export const LOG_CHANNEL_NAME = 'HeapLens';

/** contextValue of each tree item kind, for `view/item/context` menus. */
export enum ItemKinds {
  Snapshot = 'snapshot',
  BaselineSnapshot = 'snapshot.baseline',
  HeapType = 'heapType',
  Namespace = 'namespace',
  Instance = 'instance',
  UnreachableInstance = 'instance.unreachable',
  Field = 'field',
  ReferenceField = 'field.reference',
  LoadMore = 'loadMore',
  Message = 'message',
  RetentionPath = 'retentionPath',
  RetentionGroup = 'retentionGroup',
  Dominator = 'dominator',
  RetentionPathWithSource = 'retentionPath.source',
  PathStep = 'pathStep',
  PathStepWithSource = 'pathStep.source',
  InsightWarning = 'insight.warning',
  InsightInfo = 'insight.info',
  InsightFigure = 'insight.figure',
  InsightLink = 'insight.link',
  AllocationSites = 'allocationSites',
  AllocationSite = 'allocationSite',
  AllocationSiteWithSource = 'allocationSite.source',
}
