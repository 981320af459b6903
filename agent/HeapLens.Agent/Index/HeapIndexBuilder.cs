// Builds a snapshot's HeapIndex in one walk of the GC heap: per object its address, type and size, the addresses
// it refers to, and the bytes of its generation. Afterwards the referenced addresses become object numbers
// (forward CSR) and the reverse CSR is derived from them, without reading the dump again.
using System.Diagnostics;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

public static class HeapIndexBuilder
{
    private const int ProgressEvery = 1_000_000;
    private const int CancellationCheckEvery = 1 << 14;

    private enum Gen
    {
        Gen0,
        Gen1,
        Gen2,
        Loh,
        Poh,
        ByAddress,
    }

    public static HeapIndex Build(ClrRuntime runtime, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        ClrHeap heap = runtime.Heap;
        var clock = Stopwatch.StartNew();

        // Segments in address order, so objects come out of the walk already sorted by address.
        ClrSegment[] segments = heap.Segments.OrderBy(s => s.ObjectRange.Start).ToArray();
        double totalBytes = Math.Max(1, segments.Sum(s => (double)s.ObjectRange.Length));
        Dictionary<ulong, List<ulong>> dependents = DependentHandleTargets(runtime);
        var heaps = new Dictionary<int, GenerationTotals>();
        foreach (ClrSubHeap sub in heap.SubHeaps) heaps[sub.Index] = new GenerationTotals { Index = sub.Index };

        var types = new TypeTable();
        var typeCounts = new List<long>();
        var typeBytes = new List<long>();
        var addresses = new ChunkedList<ulong>();
        var typeOf = new ChunkedList<int>();
        var sizes = new ChunkedList<uint>();
        var largeSizes = new Dictionary<int, ulong>();
        var refCounts = new ChunkedList<int>();
        var targets = new ChunkedList<ulong>();

        bool sorted = true;
        ulong previous = 0;
        double walkedBytes = 0;
        ulong lastMethodTable = ulong.MaxValue;
        int lastType = -1;
        context.Progress("Indexing the heap", 0);

        foreach (ClrSegment segment in segments)
        {
            if (!heaps.TryGetValue(segment.SubHeap?.Index ?? 0, out GenerationTotals? totals))
                heaps[segment.SubHeap?.Index ?? 0] = totals = new GenerationTotals { Index = segment.SubHeap?.Index ?? 0 };
            Gen segmentGen = GenerationOf(segment);

            foreach (ClrObject obj in segment.EnumerateObjects(carefully: true))
            {
                long n = addresses.Count;
                if ((n & (CancellationCheckEvery - 1)) == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (n > 0 && n % ProgressEvery == 0)
                    {
                        double done = walkedBytes + (obj.Address - segment.ObjectRange.Start);
                        context.Progress($"Indexing the heap: {n:N0} objects", (int)Math.Min(99, done * 100 / totalBytes));
                    }
                }

                ulong address = obj.Address;
                if (address < previous) sorted = false;
                previous = address;

                ClrType? type = obj.Type;
                ulong methodTable = type?.MethodTable ?? 0;
                int t;
                if (methodTable == lastMethodTable)
                {
                    t = lastType;
                }
                else
                {
                    t = types.IndexOf(type, methodTable);
                    if (t == typeCounts.Count)
                    {
                        typeCounts.Add(0);
                        typeBytes.Add(0);
                    }
                    lastMethodTable = methodTable;
                    lastType = t;
                }

                ulong size = obj.Size;
                typeCounts[t]++;
                typeBytes[t] += (long)size;
                addresses.Add(address);
                typeOf.Add(t);
                if (size >= uint.MaxValue)
                {
                    sizes.Add(uint.MaxValue);
                    largeSizes[(int)n] = size;
                }
                else
                {
                    sizes.Add((uint)size);
                }

                bool free = types.IsFree(t);
                Gen gen = segmentGen != Gen.ByAddress ? segmentGen
                    : segment.Generation0.Contains(address) ? Gen.Gen0
                    : segment.Generation1.Contains(address) ? Gen.Gen1
                    : Gen.Gen2;
                Add(totals, gen, (long)size);
                if (free) totals.Free += (long)size;

                int refs = 0;
                if (!free && type is not null && type.ContainsPointers)
                {
                    foreach (ulong target in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
                    {
                        if (target == 0) continue;
                        targets.Add(target);
                        refs++;
                    }
                }
                if (dependents.Count > 0 && dependents.TryGetValue(address, out List<ulong>? secondaries))
                {
                    foreach (ulong target in secondaries)
                    {
                        targets.Add(target);
                        refs++;
                    }
                }
                refCounts.Add(refs);
            }
            walkedBytes += segment.ObjectRange.Length;
        }

        long walkMs = clock.ElapsedMilliseconds;
        types.Seal(typeCounts.ToArray(), typeBytes.ToArray());
        ulong[] addressArray = addresses.ToArrayAndClear();
        int[] typeArray = typeOf.ToArrayAndClear();
        uint[] sizeArray = sizes.ToArrayAndClear();
        int[] refCountArray = refCounts.ToArrayAndClear();
        if (!sorted)
        {
            // Overlapping or out-of-order segments (not seen on .NET 8-10, but cheap to survive).
            Log.Warn("Heap segments were not in address order; sorting the index.");
            SortByAddress(ref addressArray, ref typeArray, ref sizeArray, ref refCountArray, ref targets, largeSizes);
        }

        context.Progress($"Indexing references ({targets.Count:N0})", 99);
        cancellation.ThrowIfCancellationRequested();
        long arraysMs = clock.ElapsedMilliseconds;
        (int[] refStart, int[] refArray) = ToObjectNumbers(addressArray, refCountArray, targets, cancellation);
        long forwardMs = clock.ElapsedMilliseconds;
        cancellation.ThrowIfCancellationRequested();
        (int[] backStart, int[] backArray) = Reverse(addressArray.Length, refStart, refArray);

        Log.Info(
            $"Indexed {addressArray.Length:N0} objects, {types.Count:N0} types, {refArray.Length:N0} references: walk {walkMs} ms, " +
            $"arrays {arraysMs - walkMs} ms, forward {forwardMs - arraysMs} ms, reverse {clock.ElapsedMilliseconds - forwardMs} ms.");
        return new HeapIndex(
            addressArray,
            typeArray,
            sizeArray,
            largeSizes,
            types,
            refStart,
            refArray,
            backStart,
            backArray,
            heaps.Values.OrderBy(h => h.Index).ToArray(),
            heap.IsServer);
    }

    // heap/layout, like eeheap -gc, gives each GC heap's bytes by generation. Each object's size (free objects
    // included) is added to the generation of the memory it lies in, on the heap (ClrSubHeap) that owns its segment.
    // Summing objects rather than segment ranges makes the layout add up exactly to heap/stats plus free space;
    // segment ranges would also count allocation contexts, which hold no walkable objects.
    // Which generation: with regions (.NET 7+) every region belongs to one, given by its Kind. With segments (the
    // standalone libclrgc, older runtimes) the ephemeral segment holds gen0, gen1 and the start of gen2, told apart
    // by its Generation0/Generation1 ranges. Frozen segments (string literals and other objects the runtime never
    // collects) hold live objects that dumpheap counts, so they are reported with gen2, the oldest generation.
    private static Gen GenerationOf(ClrSegment segment) => segment.Kind switch
    {
        GCSegmentKind.Generation0 => Gen.Gen0,
        GCSegmentKind.Generation1 => Gen.Gen1,
        GCSegmentKind.Generation2 => Gen.Gen2,
        GCSegmentKind.Large => Gen.Loh,
        GCSegmentKind.Pinned => Gen.Poh,
        GCSegmentKind.Frozen => Gen.Gen2,
        GCSegmentKind.Ephemeral => Gen.ByAddress,
        _ => Gen.Gen2,
    };

    private static void Add(GenerationTotals totals, Gen gen, long size)
    {
        switch (gen)
        {
            case Gen.Gen0: totals.Gen0 += size; break;
            case Gen.Gen1: totals.Gen1 += size; break;
            case Gen.Loh: totals.Loh += size; break;
            case Gen.Poh: totals.Poh += size; break;
            default: totals.Gen2 += size; break;
        }
    }

    /// <summary>Dependent handles (ConditionalWeakTable) keep their secondary alive while the primary lives: an edge.</summary>
    private static Dictionary<ulong, List<ulong>> DependentHandleTargets(ClrRuntime runtime)
    {
        var map = new Dictionary<ulong, List<ulong>>();
        foreach (ClrHandle handle in runtime.EnumerateHandles())
        {
            if (handle.HandleKind != ClrHandleKind.Dependent) continue;
            ulong primary = handle.Object.Address;
            ulong secondary = handle.Dependent.Address;
            if (primary == 0 || secondary == 0) continue;
            if (!map.TryGetValue(primary, out List<ulong>? list)) map[primary] = list = new List<ulong>(1);
            list.Add(secondary);
        }
        return map;
    }

    /// <summary>
    /// Turns referenced addresses into object numbers; references to no indexed object are dropped. Each lookup
    /// finds the target's 4 KB page in a small table, then binary-searches the few objects that start in it (a
    /// search over the whole address array misses the cache at every step). Lookups run in parallel over blocks
    /// of references; compaction is one sequential pass.
    /// </summary>
    private static (int[] Start, int[] Refs) ToObjectNumbers(ulong[] addresses, int[] refCounts, ChunkedList<ulong> targets, CancellationToken cancellation)
    {
        const int Block = 1 << 18;
        const int PageShift = 12;
        if (targets.Count > int.MaxValue) throw new InvalidOperationException($"More than {int.MaxValue:N0} references: the heap is too large to index.");
        var pages = new Dictionary<ulong, (int First, int End)>();
        for (int i = 0; i < addresses.Length;)
        {
            ulong page = addresses[i] >> PageShift;
            int first = i;
            while (i < addresses.Length && addresses[i] >> PageShift == page) i++;
            pages[page] = (first, i);
        }

        int total = (int)targets.Count;
        var refs = new int[total];
        int blocks = (total + Block - 1) / Block;
        Parallel.For(0, blocks, new ParallelOptions { CancellationToken = cancellation }, block =>
        {
            int from = block * Block;
            int to = Math.Min(total, from + Block);
            for (int k = from; k < to; k++)
            {
                ulong target = targets[k];
                refs[k] = pages.TryGetValue(target >> PageShift, out var range) && Array.BinarySearch(addresses, range.First, range.End - range.First, target) is int found and >= 0
                    ? found
                    : -1;
            }
        });

        int n = addresses.Length;
        var start = new int[n + 1];
        int read = 0;
        int written = 0;
        for (int i = 0; i < n; i++)
        {
            start[i] = written;
            for (int k = refCounts[i]; k > 0; k--, read++)
            {
                if (refs[read] >= 0) refs[written++] = refs[read];
            }
        }
        start[n] = written;
        if (written < refs.Length) Array.Resize(ref refs, written);
        return (start, refs);
    }

    private static (int[] Start, int[] Refs) Reverse(int n, int[] refStart, int[] refs)
    {
        var start = new int[n + 1];
        foreach (int target in refs) start[target + 1]++;
        for (int i = 0; i < n; i++) start[i + 1] += start[i];
        var fill = (int[])start.Clone();
        var back = new int[refs.Length];
        for (int source = 0; source < n; source++)
        {
            for (int k = refStart[source]; k < refStart[source + 1]; k++) back[fill[refs[k]]++] = source;
        }
        return (start, back);
    }

    private static void SortByAddress(ref ulong[] addresses, ref int[] typeOf, ref uint[] sizes, ref int[] refCounts, ref ChunkedList<ulong> targets, Dictionary<int, ulong> largeSizes)
    {
        int n = addresses.Length;
        var firstTarget = new long[n];
        for (int i = 1; i < n; i++) firstTarget[i] = firstTarget[i - 1] + refCounts[i - 1];
        int[] order = Enumerable.Range(0, n).ToArray();
        Array.Sort((ulong[])addresses.Clone(), order);

        var newAddresses = new ulong[n];
        var newTypes = new int[n];
        var newSizes = new uint[n];
        var newCounts = new int[n];
        var newTargets = new ChunkedList<ulong>();
        var newLarge = new Dictionary<int, ulong>();
        for (int i = 0; i < n; i++)
        {
            int old = order[i];
            newAddresses[i] = addresses[old];
            newTypes[i] = typeOf[old];
            newSizes[i] = sizes[old];
            newCounts[i] = refCounts[old];
            if (largeSizes.TryGetValue(old, out ulong large)) newLarge[i] = large;
            for (int k = 0; k < refCounts[old]; k++) newTargets.Add(targets[firstTarget[old] + k]);
        }
        largeSizes.Clear();
        foreach (var pair in newLarge) largeSizes[pair.Key] = pair.Value;
        (addresses, typeOf, sizes, refCounts, targets) = (newAddresses, newTypes, newSizes, newCounts, newTargets);
    }
}
