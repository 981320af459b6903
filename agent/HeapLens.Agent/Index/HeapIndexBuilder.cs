// Builds a snapshot's HeapIndex: one walk of the GC heap (HeapWalker), then, without reading the dump again, the
// referenced addresses become object numbers (forward CSR) and the reverse CSR is derived from them, and each type
// gets its instance pages. Memory is the point here as much as time: columns are collected in chunks and copied
// out one at a time, and what a step leaves behind is given back to the system before the next step allocates,
// so the peak stays near the finished index (about 30 bytes per object).
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

public static class HeapIndexBuilder
{
    private const uint NotAnObject = uint.MaxValue;
    private const int ReleaseEveryChunks = 8;

    /// <summary>The GC segments' object ranges in address order (empty ones left out): what the AddressMap covers.</summary>
    public static (ulong Start, ulong End)[] ObjectRanges(ClrHeap heap) =>
        heap.Segments.Where(s => s.ObjectRange.Length > 0).OrderBy(s => s.ObjectRange.Start).Select(s => (s.ObjectRange.Start, s.ObjectRange.End)).ToArray();

    /// <param name="dumpBytes">The dump file's size: the heap's object ranges must fit in it (the walk reads them from it).</param>
    public static HeapIndex Build(ClrRuntime runtime, RequestContext context, long dumpBytes = long.MaxValue)
    {
        CancellationToken cancellation = context.Cancellation;
        ClrHeap heap = runtime.Heap;
        var clock = Stopwatch.StartNew();

        // Segments in address order, so objects come out of the walk already sorted by address.
        ClrSegment[] segments = heap.Segments.Where(s => s.ObjectRange.Length > 0).OrderBy(s => s.ObjectRange.Start).ToArray();
        int pointerSize = runtime.DataTarget.DataReader.PointerSize;
        var ranges = ObjectRanges(heap);
        CheckRanges(ranges, pointerSize, dumpBytes);
        var map = new AddressMap(ranges, pointerSize);

        context.Progress("Indexing the heap", 0);
        var walker = new HeapWalker(runtime, map, context);
        walker.Walk(segments);
        long walkMs = clock.ElapsedMilliseconds;

        map.Seal();
        if (map.Count != walker.Objects) throw new InvalidOperationException($"The heap walk met {walker.Objects:N0} objects but marked {map.Count:N0} starts.");
        int n = map.Count;
        TypeTable types = walker.Types;
        types.Seal(walker.TypeCounts, walker.TypeBytes);
        // The totals per name and their orders, so the first heap/stats costs no more than the next.
        _ = types.Totals;
        TypeColumn typeOf = walker.TypeOf.Build();
        SizeColumn sizes = walker.Sizes.Build();
        // The chunks those columns were collected in are garbage now; the forward CSR must not be allocated on top.
        ReturnFreedMemory();
        long columnsMs = clock.ElapsedMilliseconds;

        context.Progress($"Indexing references ({walker.Targets.Count:N0})", 99);
        cancellation.ThrowIfCancellationRequested();
        long valid = ResolveTargets(map, walker.Targets, cancellation);
        (int[] refStart, int[] refs) = Compact(n, walker.ReferenceCounts, walker.Targets, valid, cancellation);
        ReturnFreedMemory();
        long forwardMs = clock.ElapsedMilliseconds;

        cancellation.ThrowIfCancellationRequested();
        (int[] backStart, int[] back) = Reverse(n, refStart, refs, cancellation);
        long reverseMs = clock.ElapsedMilliseconds;

        InstancePages pages = InstancePages.Build(typeOf, types.Counts, cancellation);
        ReturnFreedMemory();

        Log.Info(
            $"Indexed {n:N0} objects, {types.Count:N0} types, {refs.Length:N0} references: walk {walkMs} ms (setup {walker.SetupMs} ms, {segments.Length} segments in {walker.Workers} run(s) side by side {walker.RunsMs} ms reading {(walker.ReadFromFile ? "the dump file" : "through ClrMD")}, joined in {walker.JoinMs} ms, {walker.Dependents.Length:N0} dependent handle(s), {walker.ClrMDFallbacks} segment(s) through ClrMD), " +
            $"columns {columnsMs - walkMs} ms, forward {forwardMs - columnsMs} ms, reverse {reverseMs - forwardMs} ms, pages {clock.ElapsedMilliseconds - reverseMs} ms; " +
            $"managed heap {GC.GetTotalMemory(false) / 1048576:N0} MB; {PrivateMemory.Describe()}.");
        return new HeapIndex(map, typeOf, sizes, types, refStart, refs, backStart, back, pages, walker.Heaps, heap.IsServer);
    }

    /// <summary>Refuses segments that cannot be indexed, before anything is allocated for them.</summary>
    public static void CheckRanges((ulong Start, ulong End)[] ranges, int pointerSize, long dumpBytes)
    {
        // Referenced addresses are collected as 32-bit bit numbers: 2^32 pointer-size steps at most.
        long bits = AddressMap.BitsFor(ranges, pointerSize);
        // A damaged or crafted dump can claim segments far larger than itself; the map would allocate a bit per
        // pointer of them (16 GB claimed = 256 MB of bits) before the walk found nothing there.
        if (bits > dumpBytes / pointerSize)
            throw new AgentException(ErrorCodes.DumpUnreadable, $"The GC heap's segments claim {bits * pointerSize:N0} bytes of objects, more than the whole dump ({dumpBytes:N0} bytes): it is not a readable dump; capture it again.");
        if (bits > uint.MaxValue)
            throw new AgentException(ErrorCodes.DumpUnreadable, $"The GC heap spans {bits * pointerSize / (1L << 30):N0} GB of objects; HeapLens indexes heaps of up to {(long)pointerSize << 32 >> 30} GB.");
    }

    /// <summary>
    /// Gives memory the garbage collector holds but no longer uses back to the system. A normal collection keeps
    /// freed chunks committed for reuse; the next step allocates arrays of a different size, so they would not be
    /// reused and the peak would hold both.
    /// </summary>
    public static void ReturnFreedMemory() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>In place: each target bit becomes the number of the object that starts there, or NotAnObject.</summary>
    private static long ResolveTargets(AddressMap map, ChunkedList<uint> targets, CancellationToken cancellation)
    {
        long valid = 0;
        Parallel.For(
            0,
            targets.ChunkCount,
            new ParallelOptions { CancellationToken = cancellation },
            c => Interlocked.Add(ref valid, ResolveChunk(map, targets.Chunk(c)!, targets.LengthOf(c))));
        if (valid > Array.MaxLength) throw new InvalidOperationException($"More than {Array.MaxLength:N0} references: the heap is too large to index.");
        return valid;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long ResolveChunk(AddressMap map, uint[] chunk, int length)
    {
        long count = 0;
        for (int k = 0; k < length; k++)
        {
            int found = map.RankIfMarked(chunk[k]);
            chunk[k] = (uint)found; // -1 is NotAnObject
            if (found >= 0) count++;
        }
        return count;
    }

    /// <summary>The forward CSR: references to no object dropped; the chunks go as they are read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Start, int[] Refs) Compact(int n, ChunkedList<int> counts, ChunkedList<uint> targets, long valid, CancellationToken cancellation)
    {
        int[] start = GC.AllocateUninitializedArray<int>(n + 1);
        int[] refs = GC.AllocateUninitializedArray<int>((int)valid);
        int written = 0;
        long read = 0;
        int readChunk = 0;
        uint[]? chunk = targets.ChunkCount > 0 ? targets.Chunk(0) : null;
        int inChunk = 0;
        for (int i = 0; i < n; i++)
        {
            if ((i & ChunkedList<int>.ChunkSize - 1) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                if (i > 0) counts.Release((i >> ChunkedList<int>.Shift) - 1);
            }
            start[i] = written;
            for (int k = counts[i]; k > 0; k--, read++)
            {
                if (inChunk == ChunkedList<uint>.ChunkSize)
                {
                    targets.Release(readChunk++);
                    // What has been read is garbage: give it back as the new arrays fill, not only at the end.
                    if (readChunk % ReleaseEveryChunks == 0) ReturnFreedMemory();
                    chunk = targets.Chunk(readChunk);
                    inChunk = 0;
                }
                uint target = chunk![inChunk++];
                if (target != NotAnObject) refs[written++] = (int)target;
            }
        }
        start[n] = written;
        for (int c = 0; c < targets.ChunkCount; c++) targets.Release(c);
        for (int c = 0; c < counts.ChunkCount; c++) counts.Release(c);
        if (written != valid) throw new InvalidOperationException($"References do not add up ({written:N0} written, {valid:N0} resolved).");
        return (start, refs);
    }

    /// <summary>
    /// The reverse CSR by counting: in-degrees into BackStart, a running sum, then each source written at its
    /// target's cursor. Sources are visited in ascending order, so each target's list comes out ascending. The
    /// cursors end one list further on; shifting them back by one gives the starts without a second array.
    /// One core: splitting the targets between two cores made this slower on a 2-core machine that others share.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Start, int[] Back) Reverse(int n, int[] refStart, int[] refs, CancellationToken cancellation)
    {
        var start = new int[n + 1];
        foreach (int target in refs) start[target]++;
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            int degree = start[i];
            start[i] = sum;
            sum += degree;
        }
        start[n] = sum;
        cancellation.ThrowIfCancellationRequested();
        int[] back = GC.AllocateUninitializedArray<int>(refs.Length);
        for (int source = 0; source < n; source++)
        {
            if ((source & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            for (int k = refStart[source], end = refStart[source + 1]; k < end; k++) back[start[refs[k]]++] = source;
        }
        for (int i = n; i > 0; i--) start[i] = start[i - 1];
        start[0] = 0;
        return (start, back);
    }
}
