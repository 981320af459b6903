// server-gc: under server GC the runtime keeps one GC heap per core (or DOTNET_GCHeapCount), each with its own
// allocation budget, so a process commits much more memory than under workstation GC for the same live objects.
// Said plainly, so a large process is not taken for a leak when the heaps are simply many and evenly used.
using HeapLens.Agent.Index;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class ServerGcInsights
{
    public static IEnumerable<Insight> Find(SnapshotFacts facts)
    {
        HeapIndex index = facts.Snapshot.Index;
        if (!index.IsServer) yield break;
        int heaps = index.Heaps.Length;
        long[] perHeap = index.Heaps.Select(h => h.Gen0 + h.Gen1 + h.Gen2 + h.Loh + h.Poh - h.Free).ToArray();
        long committed = 0;
        foreach (ClrSegment segment in facts.Snapshot.Heap.Segments) committed += (long)segment.CommittedMemory.Length;
        long live = index.LiveBytes;
        long smallest = perHeap.Length > 0 ? perHeap.Min() : 0;
        long largest = perHeap.Length > 0 ? perHeap.Max() : 0;
        string title = $"Server GC with {Wording.Count(heaps, "heap")}: {Wording.Bytes(committed)} committed for {Wording.Bytes(live)} of objects";
        string detail =
            $"This process runs the server garbage collector with {Wording.Count(heaps, "GC heap")} (one per core by default; DOTNET_GCHeapCount, or the "
            + $"dynamic adaptation of .NET 9+ (DATAS), changes the number). The heaps hold {Wording.Count(live)} bytes of objects (from {Wording.Bytes(smallest)} to {Wording.Bytes(largest)} per heap) "
            + $"and have {Wording.Count(committed)} bytes of memory committed. Each heap has its own allocation budget and grows before it "
            + "collects, so a server-GC process is much larger than the same program under workstation GC: that is how server GC trades "
            + "memory for throughput, not a leak, as long as the heaps stay about the same size and do not grow from snapshot to snapshot. "
            + "To use less memory, set <ServerGarbageCollection>false</ServerGarbageCollection>, limit the heaps with DOTNET_GCHeapCount, "
            + "or let the GC adapt the number of heaps to the load (DATAS: DOTNET_GCDynamicAdaptationMode=1, the default from .NET 9 when the heap count is not set).";
        var figures = new Figures()
            .Add("heaps", heaps)
            .Add("committedBytes", committed)
            .Add("liveBytes", live)
            .Add("smallestHeapBytes", smallest)
            .Add("largestHeapBytes", largest);
        yield return new Insight(InsightKind.ServerGc, Severity.Info, title, detail, figures.Build(), Array.Empty<InsightLocation>());
    }
}
