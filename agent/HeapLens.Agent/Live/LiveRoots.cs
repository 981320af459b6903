// The objects the GC treats as roots in a snapshot, as object numbers: stack slots, strong, pinned, refcounted (count
// above zero), async-pinned (with the user object they pin) and sized-ref handles (the runtime's arrays of static
// fields among them), the f-reachable
// finalizer queue, and the frozen segments (string literals and other objects the runtime never collects, which code
// refers to directly). Weak handles keep nothing alive, and a dependent handle is an edge of the index (primary →
// secondary), not a root. Gathered once, at open, without naming anything (RootCatalog names roots for paths).
//
// Static fields count on their own: .NET 9+ keeps reference statics in object[] buckets on the pinned object heap,
// and only the first bucket is held by a handle; the GC reports the others itself, so a dump shows them held by
// nothing. A program with more than about a thousand static slots (any ASP.NET Core app) has its own statics in a
// later bucket: without this, its static List and everything in it counted as unreachable. [ThreadStatic] values of
// live threads are roots too: they live in per-thread storage that no handle or stack slot shows.
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
            if (handle.HandleKind == ClrHandleKind.AsyncPinned)
            {
                foreach (ulong pinned in RootCatalog.AsyncPinnedObjects(handle, runtime)) Add(pinned);
            }
        }
        foreach (ClrRoot root in runtime.Heap.EnumerateFinalizerRoots()) Add(root.Object.Address);
        foreach (ClrThread thread in runtime.Threads)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!thread.IsAlive) continue;
            if (RootCatalog.MidThrow(thread))
            {
                // Its stack roots cannot be asked for (see RootCatalog.MidThrow), but its stack memory can be read:
                // every word that points into an object counts, as a conservative GC would. That can only keep an
                // object alive that is dead, never lose a live one (the crashing thread's locals hold what it used).
                foreach (ulong word in StackWords(runtime, thread, cancellation)) Add(word);
                continue;
            }
            foreach (ClrStackRoot root in thread.EnumerateStackRoots()) Add(root.Object.Address);
        }
        foreach (StaticReference s in StaticReferences.Enumerate(runtime, index, cancellation))
        {
            // The value, and the bucket that stores the slot (its other slots are statics too, e.g. of generic types).
            rooted.Add(s.Target);
            int holder = index.IndexContaining(s.Field.GetAddress(s.Domain));
            if (holder >= 0) rooted.Add(holder);
        }
        foreach (ThreadStaticReference t in StaticReferences.EnumerateThreadStatics(runtime, index, cancellation)) rooted.Add(t.Target);
        foreach (ClrSegment segment in runtime.Heap.Segments)
        {
            if (segment.Kind != GCSegmentKind.Frozen) continue;
            foreach (int i in ObjectsIn(index, segment.ObjectRange.Start, segment.ObjectRange.End)) rooted.Add(i);
        }
        int[] result = rooted.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>The pointer-size words of a thread's stack memory that the dump holds.</summary>
    private static IEnumerable<ulong> StackWords(ClrRuntime runtime, ClrThread thread, CancellationToken cancellation)
    {
        // The stack's bounds as the runtime knows them, or (when the dump does not give them, as on Linux) from the
        // stack pointers of its frames, with room above the oldest one for its locals.
        ulong low = Math.Min(thread.StackBase, thread.StackLimit);
        ulong high = Math.Max(thread.StackBase, thread.StackLimit);
        if (low == 0 || high <= low || high - low > MaxStackBytes)
        {
            var pointers = thread.EnumerateStackTrace(includeContext: false).Select(f => f.StackPointer).Where(sp => sp != 0).ToList();
            if (pointers.Count == 0) yield break;
            low = pointers.Min();
            high = pointers.Max() + AboveOldestFrame;
        }
        Log.Info($"Thread {thread.ManagedThreadId} was caught mid-throw: its stack memory 0x{low:x}–0x{high:x} is read word by word for roots.");
        if (high - low > MaxStackBytes || runtime.DataTarget.DataReader.PointerSize != 8) yield break;
        var buffer = new byte[64 * 1024];
        for (ulong at = low; at < high; at += (ulong)buffer.Length)
        {
            cancellation.ThrowIfCancellationRequested();
            int read = runtime.DataTarget.DataReader.Read(at, buffer.AsSpan(0, (int)Math.Min((ulong)buffer.Length, high - at)));
            for (int k = 0; k + 8 <= read; k += 8) yield return BitConverter.ToUInt64(buffer, k);
        }
    }

    private const ulong MaxStackBytes = 64UL << 20;
    private const ulong AboveOldestFrame = 64 * 1024;

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
