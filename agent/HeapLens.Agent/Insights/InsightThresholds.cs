// When an observation becomes an insight, and when an insight is a warning rather than information. The same
// numbers are documented with each kind in src/protocol/agent.ts; change both together.
namespace HeapLens.Agent.Insights;

public static class InsightThresholds
{
    // accumulation-point: a top-level retainer of at least AccumulationPercent of the live heap (and at least
    // AccumulationMinBytes, so a tiny heap's biggest object is not a suspect), or, against a baseline, the one whose
    // retained size grew most, by at least AccumulationMinGrowthBytes and AccumulationPercent. Always a warning.
    public const double AccumulationPercent = 10;
    public const long AccumulationMinBytes = 1024 * 1024;
    public const long AccumulationMinGrowthBytes = 1024 * 1024;
    public const int AccumulationReported = 3;
    /// <summary>Top-level retainers kept per snapshot to match against a baseline.</summary>
    public const int AccumulationCandidates = 200;
    /// <summary>Down the dominator tree while one child retains this share of its parent.</summary>
    public const double AccumulationDescendPercent = 80;
    public const int AccumulationMaxDescent = 8;

    // event-handlers: an event is reported when one publisher's invocation list holds this many delegates, or when
    // the event's delegates grew since the baseline; it is a warning from EventWarnDelegates on (or on any growth).
    public const int EventMinDelegates = 10;
    public const int EventWarnDelegates = 100;
    /// <summary>Kept-alive sizes cost a walk of the heap each: only the largest events get one.</summary>
    public const int EventGroupsMeasured = 10;

    // growing-collection: any growth of a static collection is reported; from this many elements it is a warning.
    public const int CollectionWarnGrowth = 10;
    public const int CollectionsReported = 20;

    // duplicate-strings: reported when the extra copies of all duplicated texts together waste DuplicateMinWastedBytes,
    // or DuplicateMinPercent of the bytes of live strings (and at least DuplicateFloorBytes, so a tiny heap's few
    // repeated runtime strings stay quiet); a warning from DuplicateWarnWastedBytes or DuplicateWarnPercent.
    public const long DuplicateMinWastedBytes = 1024 * 1024;
    public const double DuplicateMinPercent = 5;
    public const long DuplicateFloorBytes = 64 * 1024;
    public const long DuplicateWarnWastedBytes = 10 * 1024 * 1024;
    public const double DuplicateWarnPercent = 20;
    public const int DuplicateTextsReported = 10;
    /// <summary>Bounds on big heaps: strings looked at, and characters hashed per string (equal texts are then compared in full).</summary>
    public const int DuplicateMaxStrings = 20_000_000;
    public const int DuplicateHashChars = 1024;
    public const int DuplicateTextPreview = 80;

    // loh-fragmentation: reported from LohMinFreeBytes of free space in the LOH; a warning when the free space is
    // both at least LohWarnFreeBytes and at least LohWarnPercent of the LOH.
    public const long LohMinFreeBytes = 1024 * 1024;
    public const long LohWarnFreeBytes = 4 * 1024 * 1024;
    public const double LohWarnPercent = 25;

    // finalizers: an empty finalizer is a warning from this many objects (information below); the queue is a warning
    // when the finalizer thread waits inside a finalizer, or from FinalizerBacklogWarn objects waiting; the list of
    // finalizable objects by type is given from FinalizableInfoAt objects.
    public const int TrivialFinalizerWarnObjects = 100;
    public const int FinalizerBacklogWarn = 1000;
    public const int FinalizableInfoAt = 1000;

    // threads: many threads waiting at the same line are reported from ThreadGroupMin (a warning from ThreadGroupWarn);
    // the thread summary is a warning from ThreadWarnCount threads.
    public const int ThreadGroupMin = 10;
    public const int ThreadGroupWarn = 100;
    public const int ThreadWarnCount = 100;

    // dynamic-assemblies: a warning when dynamic assemblies grew by DynamicWarnGrowth since the baseline, or (without
    // one) when there are DynamicWarnCount of them; information when there are any.
    public const int DynamicWarnGrowth = 10;
    public const int DynamicWarnCount = 100;
}
