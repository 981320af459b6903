// The objects the GC treats as roots in a snapshot, as object numbers: stack slots, strong and pinned handles
// (the runtime's arrays of static fields among them), the finalizer queue, and the frozen segments (string
// literals and other objects the runtime never collects, which code refers to directly). Weak handles keep
// nothing alive, and a dependent handle is an edge of the index, not a root.
using HeapLens.Agent.Index;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class RootedObjects
{
    public static int[] Find(Snapshot snapshot, CancellationToken cancellation)
    {
        HeapIndex index = snapshot.Index;
        var rooted = new HashSet<int>();
        int seen = 0;
        foreach (ClrRoot root in snapshot.Heap.EnumerateRoots())
        {
            if ((++seen & 0xfff) == 0) cancellation.ThrowIfCancellationRequested();
            if (root is ClrHandle handle && (!handle.IsStrong || handle.HandleKind == ClrHandleKind.Dependent)) continue;
            ulong address = root.Object.Address;
            if (address == 0) continue;
            int i = index.IndexOf(address);
            if (i < 0) i = index.IndexContaining(address);
            if (i >= 0) rooted.Add(i);
        }
        foreach (ClrSegment segment in snapshot.Heap.Segments)
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
