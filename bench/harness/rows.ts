// The rows of the results table, in reading order, shared by the terminal table and BENCHMARKS.md.
import { formatSummary } from './format';
import { BenchResults, MeasureId, SizeResult } from './results';

export interface Row {
  measure: MeasureId;
  label: string;
}

export const ROWS: Row[] = [
  { measure: 'dumpBytes', label: 'dump size' },
  { measure: 'captureMs', label: 'capture (diagnostics IPC, dump with heap)' },
  { measure: 'catMs', label: 'read the dump once from the page cache (`cat`)' },
  { measure: 'agentStartMs', label: 'agent: start (spawn to its first answer)' },
  { measure: 'openMs', label: 'agent: open (cold agent, builds the index)' },
  { measure: 'indexMs', label: 'agent: open, as the agent times it' },
  { measure: 'statsMs', label: 'agent: statistics, after open' },
  { measure: 'openPlusStatsMs', label: 'agent: open + statistics' },
  { measure: 'openPlusStatsVsCat', label: 'open + statistics ÷ read once' },
  { measure: 'statsVsCat', label: 'statistics ÷ read once' },
  { measure: 'layoutMs', label: 'agent: heap layout' },
  { measure: 'instancesMs', label: 'agent: instances of the biggest type (page of 100)' },
  { measure: 'instancesDeepMs', label: 'agent: instances of the biggest type, the last page of 100' },
  { measure: 'firstPathMs', label: 'agent: first retention path of the deep object' },
  { measure: 'tenPathsMs', label: 'agent: retention paths by type (one example per group, at most 10)' },
  { measure: 'openAfterMs', label: 'agent: open the second snapshot' },
  { measure: 'diffMs', label: 'agent: diff of the two snapshots' },
  { measure: 'retentionMs', label: 'dominator tree and all retained sizes, in the agent (tree, per type; in the first statistics)' },
  { measure: 'dominatorTreeMs', label: 'dominator tree and object retained sizes alone, in the agent' },
  { measure: 'retentionKeptBytesPerObject', label: 'memory the dominator tree keeps per object (its arrays)' },
  { measure: 'retentionPeakBytesPerObject', label: 'agent private memory added while building it, peak, per object' },
  { measure: 'dominatorsMs', label: 'agent: the 50 biggest retainers (heap/dominators)' },
  { measure: 'groupsMs', label: 'agent: grouped retention paths of every instance of the most numerous type' },
  { measure: 'groupsPerMillionMs', label: 'grouped retention paths, per 1,000,000 instances' },
  { measure: 'indexWalkMs', label: 'open, in the agent: heap walk' },
  { measure: 'indexColumnsMs', label: 'open, in the agent: type and size columns' },
  { measure: 'indexForwardMs', label: 'open, in the agent: references to object numbers' },
  { measure: 'indexReverseMs', label: 'open, in the agent: reverse references' },
  { measure: 'indexPagesMs', label: 'open, in the agent: instance pages' },
  { measure: 'liveRootsMs', label: 'open, in the agent: roots for the live marks (stacks, handles, statics)' },
  { measure: 'liveMarkMs', label: 'open, in the agent: marking the live objects' },
  { measure: 'rootsCatalogMs', label: 'first path, in the agent: gather the roots' },
  { measure: 'pathSearchMs', label: 'first path, in the agent: search' },
  { measure: 'pathNamesMs', label: 'first path, in the agent: name the links' },
  { measure: 'agentIdleRssBytes', label: 'agent RSS before open' },
  { measure: 'agentIdleAnonBytes', label: 'agent private memory before open (RssAnon)' },
  { measure: 'agentOpenPeakAnonBytes', label: 'agent private memory, peak, while it opens one snapshot' },
  { measure: 'agentOpenPrivateBytesPerObject', label: 'agent private memory per object, open (peak − idle)' },
  { measure: 'indexedPrivateBytes', label: 'agent private memory once the index is built (its log)' },
  { measure: 'markedPrivateBytes', label: 'agent private memory once the live objects are marked (its log)' },
  { measure: 'agentPeakAnonBytes', label: 'agent private memory, peak, one snapshot: open to ten paths, dominator tree included' },
  { measure: 'agentPrivateBytesPerObject', label: 'agent private memory per object, one snapshot with its dominator tree (peak − idle)' },
  { measure: 'managedHeapBytes', label: 'agent managed heap after open (its log)' },
  { measure: 'agentPeakRssBytes', label: 'agent peak RSS (VmHWM, mapped dump pages included), one snapshot' },
  { measure: 'agentBytesPerObject', label: 'agent peak RSS per object' },
  { measure: 'agentAnonRssBytes', label: 'agent RSS then: anonymous (its own memory)' },
  { measure: 'agentFileRssBytes', label: 'agent RSS then: mapped files (dump, assemblies)' },
  { measure: 'agentPeakAnonTwoSnapshotsBytes', label: 'agent private memory, peak, both snapshots and diff' },
  { measure: 'agentPeakRssTwoSnapshotsBytes', label: 'agent peak RSS, both snapshots and diff' },
  { measure: 'cliStatsMs', label: '`heaplens stats <dump>`, whole process, first open' },
  { measure: 'cliStatsReopenMs', label: '`heaplens stats <dump>` again (index cache beside the dump)' },
  { measure: 'cliStatsReopenVsFirst', label: 'reopen with the cache ÷ first open (`heaplens stats`)' },
  { measure: 'cliRootsMs', label: '`heaplens roots <dump> --address <deep>`, whole process, first open' },
  { measure: 'cliRootsReopenMs', label: '`heaplens roots <dump> --address <deep>` again (index cache)' },
  { measure: 'dotnetDumpStatMs', label: '`dotnet-dump analyze <dump> -c "dumpheap -stat" -c exit`, whole process' },
  { measure: 'dotnetDumpGcrootMs', label: '`dotnet-dump analyze <dump> -c "gcroot <deep>" -c exit`, whole process' },
  { measure: 'dotnetDumpStatVsCli', label: 'dumpheap -stat ÷ `heaplens stats` (whole processes)' },
  { measure: 'dotnetDumpGcrootVsCli', label: 'gcroot ÷ `heaplens roots --address` (whole processes)' },
  { measure: 'dotnetDumpStatVsAgent', label: 'dumpheap -stat ÷ agent open + statistics' },
  { measure: 'dotnetDumpGcrootVsAgent', label: 'gcroot ÷ agent open + first path' },
];

/** One cell: median (min–max), or why there is no number. */
export function cell(results: BenchResults, size: SizeResult, measure: MeasureId): string {
  if (measure.startsWith('dotnetDump') && !results.comparison.available) return 'not available';
  return formatSummary(size.measures[measure]);
}
