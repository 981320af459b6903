// Which objects of a snapshot are live: reachable from a root (LiveRoots) over the index's references, one bit per
// object. A dump holds dead objects until the next GC (a server-GC web app can hold thousands); counting only live
// ones is what dotnet-gcdump, Visual Studio and SOS `dumpheap -live` show, and `all` adds the rest back, which is
// SOS `dumpheap -stat`. Computed at open (one sweep over the references), with the live totals per heap type name.
using System.Numerics;
using System.Runtime.CompilerServices;
using HeapLens.Agent.Retention;
using HeapLens.Agent.Index;

namespace HeapLens.Agent.Live;

public sealed class LiveObjects
{
    private readonly LoadOnce<Marks> _marks;

    /// <summary>Cached from _marks: IsLive is the hottest call there is.</summary>
    private ulong[]? _bits;

    private LiveObjects(LoadOnce<Marks> marks, NameTotals totals, long count, long bytes, long unreachableCount, long unreachableBytes)
    {
        _marks = marks;
        Totals = totals;
        Count = count;
        Bytes = bytes;
        UnreachableCount = unreachableCount;
        UnreachableBytes = unreachableBytes;
    }

    /// <summary>The root objects, ascending (LiveRoots).</summary>
    public int[] Roots => _marks.Value.Roots;

    /// <summary>Live objects and bytes per heap type name (free space left out).</summary>
    public NameTotals Totals { get; }

    public long Count { get; }

    public long Bytes { get; }

    /// <summary>Objects no root reaches (free space left out): garbage the GC has not collected yet.</summary>
    public long UnreachableCount { get; }

    public long UnreachableBytes { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsLive(int i) => (Bits[i >> 6] & (1UL << (i & 63))) != 0;

    /// <summary>One bit per object, set on live ones (what the index cache keeps).</summary>
    internal ulong[] Bits => _bits ??= _marks.Value.Bits;

    /// <summary>The root objects (ascending) and one bit per object, set on the live ones.</summary>
    public sealed record Marks(int[] Roots, ulong[] Bits);

    /// <summary>
    /// The totals an earlier open counted (the index cache's summary), with the marks themselves read on first need by
    /// <paramref name="load"/> (which may throw when the file they come from is damaged).
    /// </summary>
    public static LiveObjects FromSummary(NameTotals totals, long count, long bytes, long unreachableCount, long unreachableBytes, Func<Marks> load) =>
        new(new LoadOnce<Marks>(load), totals, count, bytes, unreachableCount, unreachableBytes);

    /// <summary>Marks what the roots reach and sums the live objects per type.</summary>
    public static LiveObjects Mark(HeapIndex index, int[] roots, CancellationToken cancellation)
    {
        var graph = new ReferenceGraph(index);
        var bits = new ulong[(graph.Count + 63) / 64];
        foreach (int r in roots) Set(bits, r);
        MarkReachable(graph.RefStart, graph.Refs, bits, cancellation);
        return Summarize(index, roots, bits, cancellation);
    }

    /// <summary>
    /// Marks every object that the marked ones reach. One sweep in object order: a marked object's references to
    /// objects further on are only marked (the sweep gets to them), those to objects behind it go on a stack that is
    /// emptied before the sweep moves on. So every object's references are read once, mostly in order, and the stack
    /// holds only references backwards; a depth-first search pushed most of the heap (40 MB at 10M objects). When the
    /// stack is full, an object is marked without being pushed and the sweep runs again from the first such one
    /// (reading some references twice, never missing one), so the stack stays within <paramref name="stackLimit"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MarkReachable(int[] refStart, int[] refs, ulong[] bits, CancellationToken cancellation, int stackLimit = 1 << 20)
    {
        int n = refStart.Length - 1;
        // Allocated once and uninitialized: only the part the marking uses is ever touched.
        int[] stack = GC.AllocateUninitializedArray<int>(Math.Max(1, Math.Min(stackLimit, n)));
        long steps = 0;
        int from = 0;
        while (from < n)
        {
            int overflowFrom = n;
            for (int w = from >> 6; w < bits.Length; w++)
            {
                ulong word = w == from >> 6 ? bits[w] & (ulong.MaxValue << (from & 63)) : bits[w];
                while (word != 0)
                {
                    int position = BitOperations.TrailingZeroCount(word);
                    int cursor = (w << 6) + position;
                    int top = 0;
                    int node = cursor;
                    while (true)
                    {
                        if ((++steps & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
                        for (int k = refStart[node], end = refStart[node + 1]; k < end; k++)
                        {
                            int child = refs[k];
                            if (Test(bits, child)) continue;
                            Set(bits, child);
                            if (child > cursor) continue;
                            if (top == stack.Length)
                            {
                                if (child < overflowFrom) overflowFrom = child;
                                continue;
                            }
                            stack[top++] = child;
                        }
                        if (top == 0) break;
                        node = stack[--top];
                    }
                    // Marks set meanwhile further on in this word are read again.
                    word = position == 63 ? 0 : bits[w] & (ulong.MaxValue << (position + 1));
                }
            }
            from = overflowFrom;
        }
    }

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
        return new LiveObjects(new LoadOnce<Marks>(new Marks(roots, bits)), NameTotals.Of(types, counts, bytes), liveCount, liveBytes, deadCount, deadBytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Test(ulong[] bits, int i) => (bits[i >> 6] & (1UL << (i & 63))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set(ulong[] bits, int i) => bits[i >> 6] |= 1UL << (i & 63);
}
