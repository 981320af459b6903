// The parameter and result shapes of every method, field for field as declared in src/protocol/agent.ts.
// Optional fields are null when not applicable, and Json.Options leaves them out of the JSON.
using System.Text.Json.Serialization;

namespace HeapLens.Agent.Rpc;

// ---- the agent itself

public sealed record AgentVersion(string Version);

// ---- snapshot lifecycle

public sealed class OpenSnapshotParams
{
    public string? Path { get; set; }
    public string? DacPath { get; set; }
    public List<string>? DacSearchPaths { get; set; }
}

public sealed record SnapshotInfo(
    string SnapshotId,
    string Path,
    string RuntimeVersion,
    string GcMode,
    int PointerSize,
    long Objects,
    long Bytes,
    CountAndBytes Unreachable,
    long IndexMs,
    long IndexBytes,
    int? ProcessId);

public class SnapshotRef
{
    public string? SnapshotId { get; set; }
}

// ---- dumpheap -stat

// `all`: unreachable objects counted too (SOS dumpheap -stat); live objects only when absent.
public class ReachabilityRef : SnapshotRef
{
    public bool? All { get; set; }
}

public sealed class HeapStatsParams : ReachabilityRef
{
    public int? Top { get; set; }
    public int? Offset { get; set; }
    public string? Filter { get; set; }
    public string? Sort { get; set; }
}

public sealed record TypeStat(string Name, long Count, long Bytes, long RetainedBytes);

public sealed record CountAndBytes(long Count, long Bytes);

// TotalTypes: how many types matched the filter, of which Types is the requested page.
public sealed record HeapStats(long Objects, long Bytes, CountAndBytes Free, CountAndBytes Unreachable, IReadOnlyList<TypeStat> Types, int TotalTypes);

// ---- eeheap -gc

public sealed record HeapSegmentTotals(int Index, long Gen0, long Gen1, long Gen2, long Loh, long Poh, long Free);

public sealed record HeapLayout(string GcMode, IReadOnlyList<HeapSegmentTotals> Heaps);

// ---- instances and objects

public sealed class InstancesParams : ReachabilityRef
{
    public string? Type { get; set; }
    public int? Offset { get; set; }
    public int? Limit { get; set; }
}

// Unreachable: true only for an object no root reaches (listed with `all`), left out of the JSON otherwise.
public sealed record Instance(string Address, long Size, long RetainedBytes, bool? Unreachable = null);

// "instances" on the wire; named Items here because a member may not share its record's name.
public sealed record Instances(string Type, long Count, [property: JsonPropertyName("instances")] IReadOnlyList<Instance> Items);

public sealed class ObjectParams : SnapshotRef
{
    public string? Address { get; set; }
}

public sealed record ObjectField(string Name, string Type, string Value, string? Address = null);

public sealed record HeapObject(string Address, string Type, long Size, string? Text, int? Length, long RetainedBytes, bool Unreachable, IReadOnlyList<ObjectField> Fields);

// ---- retention paths (gcroot)

public sealed class RootsParams : SnapshotRef
{
    public string? Address { get; set; }
    public string? Type { get; set; }
    public int? Max { get; set; }

    /// <summary>Every link of each path; without it long runs of equal links are folded (PathLink.Repeat).</summary>
    public bool? Full { get; set; }
}

public sealed class RootDescription
{
    public string Kind { get; init; } = "other";
    public string? HandleKind { get; init; }
    public int? Thread { get; init; }
    public string? Method { get; init; }
    public string? File { get; init; }
    public int? Line { get; init; }
    public string? Field { get; init; }
}

// Field is null on links[0] and written as null (the contract says `string | null`, not optional).
/// <summary>A link of a retention path; with Repeat, it stands for that many links in a row with its type and field
/// (Address is the first of them) and the next link is the last of the run.</summary>
public sealed record PathLink(string Address, string Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Field, int? Repeat = null);

public sealed record RetentionPath(RootDescription Root, IReadOnlyList<PathLink> Links)
{
    /// <summary>Set when the path was too long to send whole (Roots/PathBound.cs).</summary>
    public OmittedLinks? Omitted { get; init; }
}

/// <summary>Count links were left out between Links[After - 1] and Links[After].</summary>
public sealed record OmittedLinks(int After, int Count);

public sealed record RetentionPaths(IReadOnlyList<RetentionPath> Paths);

// ---- grouped retention paths

public sealed class RetentionGroupsParams : SnapshotRef
{
    public string? Type { get; set; }
    public int? Max { get; set; }
}

// Field is null on links[0] and written as null; Repeat only on a folded run.
public sealed record GroupLink(string Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Field, int? Repeat = null);

public sealed record RetentionGroup(long Count, long Bytes, long RetainedBytes, RootDescription Root, IReadOnlyList<GroupLink> Links, string Example)
{
    /// <summary>Set when the group's shape was too long to send whole (Roots/PathBound.cs).</summary>
    public OmittedLinks? Omitted { get; init; }
}

public sealed record OtherGroups(int Groups, long Count, long Bytes, long RetainedBytes);

public sealed record RetentionGroups(string Type, long Instances, IReadOnlyList<RetentionGroup> Groups, OtherGroups? OtherGroups);

// ---- dominator tree

public sealed class DominatorsParams : SnapshotRef
{
    public string? Address { get; set; }
    public int? Top { get; set; }
    public int? Offset { get; set; }
}

public sealed record Dominator(string Address, string Type, long Size, long RetainedBytes, long RetainedObjects, int Children, RootDescription? Root);

public sealed record Dominators(long LiveObjects, long LiveBytes, IReadOnlyList<Dominator> Items, int Total);

// ---- diff

public sealed class DiffParams
{
    public bool? All { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public int? Top { get; set; }
    public int? Offset { get; set; }
    public string? Filter { get; set; }
    public string? Sort { get; set; }
}

public sealed record TypeDiffSide(long Count, long Bytes, long RetainedBytes);

public sealed record TypeDiff(string Name, TypeDiffSide Before, TypeDiffSide After);

public sealed record UnreachableSides(CountAndBytes Before, CountAndBytes After);

public sealed record HeapDiff(IReadOnlyList<TypeDiff> Types, int TotalTypes, UnreachableSides Unreachable);

// ---- threads and stacks

public sealed record StackFrameInfo(string Method, string Ip, string? File, int? Line, string Kind);

public sealed record ExceptionInfo(string Type, string Message, string Address, IReadOnlyList<StackFrameInfo> Frames);

public sealed record ThreadInfo(
    int ManagedId,
    long OsId,
    string? Name,
    bool IsFinalizer,
    bool IsMain,
    ExceptionInfo? Exception,
    IReadOnlyList<StackFrameInfo> Frames);

public sealed record Threads([property: JsonPropertyName("threads")] IReadOnlyList<ThreadInfo> Items);

// ---- notifications

public sealed record ProgressParams(object? RequestId, string Message, int? Percent);

// ---- running processes (EventPipe)

public class ProcessTarget
{
    public int Pid { get; set; }
    public string? SocketPath { get; set; }
}

public sealed class CollectParams : ProcessTarget
{
    public int? TimeoutMs { get; set; }
}

public sealed record CollectResult(bool Collected, int GcNumber, long Ms);

public sealed class TraceStartParams : ProcessTarget
{
    public bool? Counters { get; set; }
    public bool? Allocations { get; set; }
    public int? TimeoutMs { get; set; }
}

public sealed record TraceStarted(string SessionId);

// trace/stop: KeepSamples stops the event session but keeps its allocation samples readable (trace/allocations)
// until a later trace/stop without it.
public sealed class TraceStopParams
{
    public string? SessionId { get; set; }
    public bool? KeepSamples { get; set; }
}

public sealed record GcCounts(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Gen0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Gen1,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Gen2);

// Times are ms since the epoch; a figure the runtime did not give is null (and stays in the JSON as null).
public sealed record CounterSample(
    string SessionId,
    long Time,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? GcHeapBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Gen0Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Gen1Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Gen2Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? LohBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? PohBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? AllocatedBytesPerSecond,
    GcCounts GcCounts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? WorkingSetBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? TimeInGcPercent);

public sealed record GcEvent(string SessionId, long Time, int Number, int Generation, string Reason, double DurationMs);

public sealed record TraceEnded(string SessionId, string Reason, string Message);

public sealed class AllocationsParams
{
    public string? SessionId { get; set; }
    public string? Type { get; set; }
    public long? From { get; set; }
    public long? To { get; set; }
    public int? TopTypes { get; set; }
    public int? TopSites { get; set; }
}

public sealed record AllocationSite(
    string Method,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? File,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Line,
    int Samples,
    double Share,
    IReadOnlyList<string> Stack);

public sealed record AllocatedType(string Name, int Samples, long EstimatedBytes, IReadOnlyList<AllocationSite> Sites);

// Sampling: the event used ("AllocationSampled" or "GCAllocationTick"); SamplingText: what that means, in words.
// DroppedBefore: samples before this time (ms since the epoch) were dropped to keep the agent's memory bounded.
public sealed record AllocationReport(
    double Seconds,
    string Sampling,
    string SamplingText,
    int Samples,
    IReadOnlyList<AllocatedType> Types,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? DroppedBefore = null);
