// The objects the GC treats as roots in a snapshot, as object numbers: stack slots, strong, pinned, refcounted (count
// above zero), async-pinned and sized-ref handles (the runtime's arrays of static fields among them), the f-reachable
// finalizer queue, and the frozen segments (string literals and other objects the runtime never collects, which code
// refers to directly). Weak handles keep nothing alive, and a dependent handle is an edge of the index (primary →
// secondary), not a root. Gathered once, at open, without naming anything (RootCatalog names roots for paths).
using HeapLens.Agent.Index;
using HeapLens.Agent.Roots;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Live;

public static class LiveRoots
{
    public static int[] Find(ClrRuntime runtime, HeapIndex index, CancellationToken cancellation)
    {
        var rooted = new HashSet<int>();
        void Add(ulong address)
        {
            if (address == 0) return;
            int i = index.IndexOf(address);
            // A stack slot may point inside an object (an interior pointer): the object it lies in is the root.
            if (i < 0) i = index.IndexContaining(address);
            if (i >= 0) rooted.Add(i);
        }

        foreach (ClrHandle handle in runtime.EnumerateHandles())
        {
            cancellation.ThrowIfCancellationRequested();
            if (handle.IsStrong && handle.HandleKind != ClrHandleKind.Dependent) Add(handle.Object.Address);
        }
        foreach (ClrRoot root in runtime.Heap.EnumerateFinalizerRoots()) Add(root.Object.Address);
        foreach (ClrThread thread in runtime.Threads)
        {
            cancellation.ThrowIfCancellationRequested();
            // The stack of a thread caught mid-throw cannot be read (see RootCatalog.MidThrow).
            if (!thread.IsAlive || RootCatalog.MidThrow(thread)) continue;
            foreach (ClrStackRoot root in thread.EnumerateStackRoots()) Add(root.Object.Address);
        }
        foreach (ClrSegment segment in runtime.Heap.Segments)
        {
            if (segment.Kind != GCSegmentKind.Frozen) continue;
            foreach (int i in ObjectsIn(index, segment.ObjectRange.Start, segment.ObjectRange.End)) rooted.Add(i);
        }
        int[] result = rooted.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>Object numbers whose address lies in [start, end), in address order.</summary>
    public static IEnumerable<int> ObjectsIn(HeapIndex index, ulong start, ulong end)
    {
        // The first object at or after start, by binary search over the address column.
        int lo = 0;
        int hi = index.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (index.Addresses[mid] < start) lo = mid + 1;
            else hi = mid;
        }
        if (lo >= index.Count) yield break;
        foreach (var (i, address) in index.Addresses.Enumerate(lo))
        {
            if (address >= end) yield break;
            yield return i;
        }
    }
}
