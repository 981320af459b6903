// loh-fragmentation: free space inside the Large Object Heap. Objects of 85,000 bytes or more live there, and the GC
// sweeps it without compacting (unless told to), so a large array that dies leaves a hole only an allocation that
// fits can reuse. Measured from the index over the LOH's segments (regions): free objects against the others.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class LohFragmentationInsights
{
    private const int TypesNamed = 3;

    public static IEnumerable<Insight> Find(SnapshotFacts facts)
    {
        HeapIndex index = facts.Snapshot.Index;
        long free = 0;
        long freeBlocks = 0;
        long largestFree = 0;
        long live = 0;
        long objects = 0;
        var byType = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        var largest = new List<(int Object, long Size)>();
        foreach (ClrSegment segment in facts.Snapshot.Heap.Segments)
        {
            if (segment.Kind != GCSegmentKind.Large) continue;
            foreach (int i in HeapLens.Agent.Live.LiveRoots.ObjectsIn(index, segment.ObjectRange.Start, segment.ObjectRange.End))
            {
                long size = (long)index.SizeOf(i);
                int type = index.TypeOf[i];
                if (index.Types.IsFree(type))
                {
                    free += size;
                    freeBlocks++;
                    largestFree = Math.Max(largestFree, size);
                    continue;
                }
                live += size;
                objects++;
                string name = index.Types.NameOf(type);
                var (count, bytes) = byType.GetValueOrDefault(name);
                byType[name] = (count + 1, bytes + size);
                largest.Add((i, size));
            }
        }
        if (free < InsightThresholds.LohMinFreeBytes) yield break;

        double percent = 100.0 * free / Math.Max(1, free + live);
        bool warning = free >= InsightThresholds.LohWarnFreeBytes && percent >= InsightThresholds.LohWarnPercent;
        var topTypes = byType.OrderByDescending(p => p.Value.Bytes).ThenBy(p => p.Key, StringComparer.Ordinal).Take(TypesNamed).ToList();
        string causes = topTypes.Count == 0 ? "no objects" : string.Join(", ", topTypes.Select(p => $"{p.Key} ({Wording.Count(p.Value.Count)}, {Wording.Bytes(p.Value.Bytes)})"));
        string title = $"The Large Object Heap is {Wording.Percent(percent)} free space: {Wording.Bytes(free)} in {Wording.Count(freeBlocks, "hole")} between {Wording.Bytes(live)} of large objects";
        string detail =
            $"The LOH holds {Wording.Count(objects, "object")} ({Wording.Count(live)} bytes) and {Wording.Count(free)} bytes of free space in "
            + $"{Wording.Count(freeBlocks, "block")} (the largest {Wording.Count(largestFree)} bytes). Largest users: {causes}. "
            + "Objects of 85,000 bytes or more go to the LOH, which the GC does not compact by default: when large arrays are allocated "
            + "and dropped between long-lived ones, the holes stay, the process keeps the memory, and a new large array that fits no hole "
            + "makes the heap grow. Reuse large buffers instead of allocating them each time (ArrayPool<T>.Shared, a pooled "
            + "RecyclableMemoryStream), keep long-lived large arrays together, or compact once with "
            + "GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce before a GC.Collect().";
        var figures = new Figures()
            .Add("lohLiveBytes", live)
            .Add("lohFreeBytes", free)
            .Add("fragmentationPercent", percent)
            .Add("freeBlocks", freeBlocks)
            .Add("largestFreeBlock", largestFree)
            .Add("lohObjects", objects)
            .Add("largestType", topTypes.Count > 0 ? topTypes[0].Key : "")
            .Add("largestTypeBytes", topTypes.Count > 0 ? topTypes[0].Value.Bytes : 0);
        yield return new Insight(
            InsightKind.LohFragmentation,
            warning ? Severity.Warning : Severity.Info,
            title,
            detail,
            figures.Build(),
            Array.Empty<InsightLocation>(),
            topTypes.Select(p => p.Key).ToList(),
            largest.OrderByDescending(x => x.Size).ThenBy(x => x.Object).Take(TypesNamed).Select(x => Json.Hex(index.Addresses[x.Object])).ToList());
    }
}
