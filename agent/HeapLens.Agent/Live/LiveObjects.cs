// Which objects of a snapshot are live: reachable from a root (LiveRoots) over the index's references, one bit per
// object. A dump holds dead objects until the next GC (a server-GC web app can hold thousands); counting only live
// ones is what dotnet-gcdump, Visual Studio and SOS `dumpheap -live` show, and `all` adds the rest back, which is
// SOS `dumpheap -stat`. Computed at open (one pass over the references), with the live totals per heap type name.
using System.Runtime.CompilerServices;
using HeapLens.Agent.Retention;
using HeapLens.Agent.Index;

namespace HeapLens.Agent.Live;

public sealed class LiveObjects
{
    private readonly ulong[] _bits;

    private LiveObjects(ulong[] bits, int[] roots, NameTotals totals, long count, long bytes, long unreachableCount, long unreachableBytes)
    {
        _bits = bits;
        Roots = roots;
        Totals = totals;
        Count = count;
        Bytes = bytes;
        UnreachableCount = unreachableCount;
        UnreachableBytes = unreachableBytes;
    }

    /// <summary>The root objects, ascending (LiveRoots).</summary>
    public int[] Roots { get; }

    /// <summary>Live objects and bytes per heap type name (free space left out).</summary>
    public NameTotals Totals { get; }

    public long Count { get; }

    public long Bytes { get; }

    /// <summary>Objects no root reaches (free space left out): garbage the GC has not collected yet.</summary>
    public long UnreachableCount { get; }

    public long UnreachableBytes { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsLive(int i) => (_bits[i >> 6] & (1UL << (i & 63))) != 0;

    /// <summary>One bit per object, set on live ones (what the index cache keeps).</summary>
    internal ulong[] Bits => _bits;

    /// <summary>Marks what the roots reach (depth first, an explicit stack) and sums the live objects per type.</summary>
    public static LiveObjects Mark(HeapIndex index, int[] roots, CancellationToken cancellation)
    {
        var graph = new ReferenceGraph(index);
        int n = graph.Count;
        var bits = new ulong[(n + 63) / 64];
        int[] refStart = graph.RefStart;
        int[] refs = graph.Refs;
        var stack = new int[Math.Max(16, roots.Length)];
        int top = 0;
        foreach (int r in roots)
        {
            if (Test(bits, r)) continue;
            Set(bits, r);
            stack[top++] = r;
        }
        long steps = 0;
        while (top > 0)
        {
            if ((++steps & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int node = stack[--top];
            for (int k = refStart[node], end = refStart[node + 1]; k < end; k++)
            {
                int child = refs[k];
                if (Test(bits, child)) continue;
                Set(bits, child);
                if (top == stack.Length) Array.Resize(ref stack, stack.Length * 2);
                stack[top++] = child;
            }
        }
        return Summarize(index, roots, bits, cancellation);
    }

    /// <summary>The marks of an earlier open (the index cache), summed per type as Mark sums them.</summary>
    public static LiveObjects Restore(HeapIndex index, int[] roots, ulong[] bits, CancellationToken cancellation) =>
        Summarize(index, roots, bits, cancellation);

    private static LiveObjects Summarize(HeapIndex index, int[] roots, ulong[] bits, CancellationToken cancellation)
    {
        int n = index.Count;
        TypeTable types = index.Types;
        var counts = new long[types.Count];
        var bytes = new long[types.Count];
        long liveCount = 0, liveBytes = 0, deadCount = 0, deadBytes = 0;
        for (int i = 0; i < n; i++)
        {
            if ((i & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int t = index.TypeOf[i];
            if (types.IsFree(t)) continue;
            long size = (long)index.SizeOf(i);
            if (Test(bits, i))
            {
                counts[t]++;
                bytes[t] += size;
                liveCount++;
                liveBytes += size;
            }
            else
            {
                deadCount++;
                deadBytes += size;
            }
        }
        return new LiveObjects(bits, roots, NameTotals.Of(types, counts, bytes), liveCount, liveBytes, deadCount, deadBytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Test(ulong[] bits, int i) => (bits[i >> 6] & (1UL << (i & 63))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set(ulong[] bits, int i) => bits[i >> 6] |= 1UL << (i & 63);
}
