// One pass over the GC heap in address order. For each object it marks where the object starts, and records its
// heap type, its size and the objects it refers to; it adds the object's bytes to its type and its generation.
// It reads each segment's memory in 4 MB windows and steps from object to object itself, with the layout of each
// method table (ObjectLayouts): ClrMD's own rules for sizes and allocation contexts, without ClrMD's cost per
// object. Where the memory stops making sense (a method table ClrMD does not know, an object that runs past its
// segment) the rest of that segment goes through ClrMD's careful walk, so the objects are the ones ClrMD lists.
using System.Runtime.CompilerServices;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

public sealed class HeapWalker
{
    private const int WindowBytes = 4 << 20;
    private const int MinObjectSize = 24;
    private const int ProgressEvery = 1 << 20;
    private const int CancellationCheckEvery = 1 << 14;

    private readonly ClrHeap _heap;
    private readonly IMemoryReader _memory;
    private readonly RequestContext _context;
    // Allocation contexts (start, end) by start: the walk, in address order, only compares with the next one.
    private readonly (ulong Start, ulong End)[] _allocationContexts;
    private readonly (ulong Primary, ulong Secondary)[] _dependents;
    private readonly byte[] _window = GC.AllocateUninitializedArray<byte>(WindowBytes);
    private readonly byte[] _scratch = GC.AllocateUninitializedArray<byte>(1 << 20);
    private long[] _typeCounts = new long[256];
    private long[] _typeBytes = new long[256];
    private readonly Dictionary<int, GenerationTotals> _heaps = new();
    private ulong _windowStart;
    private int _windowLength;
    private int _nextDependent;
    private int _targetSegment = -1;
    private double _totalBytes = 1;
    private double _walkedBytes;

    public HeapWalker(ClrRuntime runtime, AddressMap map, RequestContext context)
    {
        _heap = runtime.Heap;
        _memory = runtime.DataTarget.DataReader;
        _context = context;
        Map = map;
        Layouts = new ObjectLayouts(_heap, Types);
        _allocationContexts = _heap.EnumerateAllocationContexts()
            .Where(r => r.Start != 0 && r.End > r.Start)
            .GroupBy(r => r.Start)
            .Select(g => (g.Key, g.Last().End))
            .OrderBy(r => r.Key)
            .ToArray();
        _dependents = DependentHandles(runtime);
        foreach (ClrSubHeap sub in _heap.SubHeaps) _heaps[sub.Index] = new GenerationTotals { Index = sub.Index };
    }

    private enum Gen
    {
        Gen0,
        Gen1,
        Gen2,
        Loh,
        Poh,
        ByAddress,
    }

    public AddressMap Map { get; }

    public TypeTable Types { get; } = new();

    public ObjectLayouts Layouts { get; }

    public TypeColumn.Builder TypeOf { get; } = new();

    public SizeColumn.Builder Sizes { get; } = new();

    /// <summary>Per object, how many entries of <see cref="Targets"/> are its references.</summary>
    public ChunkedList<int> ReferenceCounts { get; } = new();

    /// <summary>The referenced addresses as AddressMap bits, object after object (not yet checked to be object starts).</summary>
    public ChunkedList<uint> Targets { get; } = new();

    public int Objects { get; private set; }

    /// <summary>Segments (or their remainders) that went through ClrMD's own walk.</summary>
    public int ClrMDFallbacks { get; private set; }

    /// <summary>Per heap type, its objects and their bytes (one entry per type of <see cref="Types"/>).</summary>
    public long[] TypeCounts => PerType(_typeCounts);

    public long[] TypeBytes => PerType(_typeBytes);

    public GenerationTotals[] Heaps => _heaps.Values.OrderBy(h => h.Index).ToArray();

    public void Walk(IReadOnlyList<ClrSegment> segments)
    {
        _totalBytes = Math.Max(1, segments.Sum(s => (double)s.ObjectRange.Length));
        bool fast = _memory.PointerSize == 8;
        foreach (ClrSegment segment in segments)
        {
            int heapIndex = segment.SubHeap?.Index ?? 0;
            if (!_heaps.TryGetValue(heapIndex, out GenerationTotals? totals)) _heaps[heapIndex] = totals = new GenerationTotals { Index = heapIndex };
            ulong resumeAt = fast ? WalkSegment(segment, totals) : segment.FirstObjectAddress;
            if (resumeAt < segment.ObjectRange.End)
            {
                ClrMDFallbacks++;
                WalkWithClrMD(segment, resumeAt, totals);
            }
            _walkedBytes += segment.ObjectRange.Length;
        }
    }

    /// <summary>Walks a segment from its first object; returns where ClrMD has to take over (its end when done).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong WalkSegment(ClrSegment segment, GenerationTotals totals)
    {
        ulong start = segment.ObjectRange.Start;
        ulong end = segment.ObjectRange.End;
        ulong position = segment.FirstObjectAddress;
        long firstBit = Map.BitOf(start);
        Gen segmentGen = GenerationOf(segment);
        // ClrMD skips allocation contexts everywhere but in large-object and frozen segments.
        (ulong Start, ulong End)[] contexts = segment.Kind is GCSegmentKind.Large or GCSegmentKind.Frozen ? Array.Empty<(ulong, ulong)>() : _allocationContexts;
        int nextContext = 0;
        while (nextContext < contexts.Length && contexts[nextContext].Start < position) nextContext++;
        ulong nextContextStart = nextContext < contexts.Length ? contexts[nextContext].Start : ulong.MaxValue;
        ulong lastMethodTable = ulong.MaxValue;
        ObjectLayout? layout = null;

        while (position < end)
        {
            if (!EnsureWindow(position, 16, end)) return position;
            ulong methodTable = ReadUInt64(position);
            if (methodTable != lastMethodTable)
            {
                layout = Layouts.Get(methodTable, position, _context.Cancellation);
                if (layout is null) return position;
                lastMethodTable = methodTable;
            }

            ulong size;
            uint count = 0;
            if (layout!.ComponentSize == 0)
            {
                size = layout.BaseSize;
            }
            else
            {
                count = ReadUInt32(position + 8);
                ulong elements = layout.IsString ? count + 1UL : count;
                size = elements * layout.ComponentSize + layout.BaseSize;
            }
            if (size < MinObjectSize) size = MinObjectSize;
            if (position + size > end) return position;

            BeginObject(firstBit + (long)((position - start) >> 3), position, layout.Type, size, layout.IsFree, segmentGen, segment, totals);
            int references = 0;
            if (layout.Slots.Length > 0)
            {
                references = layout.ComponentSize == 0
                    ? FixedReferences(position, size, layout.Slots, end)
                    : ElementReferences(position + ObjectLayout.FirstElement, count, layout.ComponentSize, layout.Slots, end);
            }
            else if (layout.ReadThroughClrMD)
            {
                references = ClrMDReferences(_heap.GetObject(position));
            }
            EndObject(position, references);

            position += (size + 7) & ~7UL;
            while (position >= nextContextStart)
            {
                if (position == nextContextStart)
                {
                    // An allocation context holds no objects; the next one starts a minimal object past its end.
                    ulong next = contexts[nextContext].End + MinObjectSize;
                    if (next <= position) return end;
                    position = next;
                }
                nextContext++;
                nextContextStart = nextContext < contexts.Length ? contexts[nextContext].Start : ulong.MaxValue;
            }
        }
        return end;
    }

    private void WalkWithClrMD(ClrSegment segment, ulong from, GenerationTotals totals)
    {
        Gen segmentGen = GenerationOf(segment);
        ulong last = 0;
        foreach (ClrObject obj in _heap.EnumerateObjects(new MemoryRange(from, segment.ObjectRange.End), carefully: true))
        {
            // Object numbers follow addresses: anything not past the last object (it should not happen) is left out.
            if (obj.Address < from || (last != 0 && obj.Address <= last)) continue;
            last = obj.Address;
            ClrType? type = obj.Type;
            ulong methodTable = type?.MethodTable ?? 0;
            int t = Types.IndexOf(type, methodTable);
            ulong size = obj.Size;
            bool free = type?.IsFree == true;
            BeginObject(Map.BitOf(obj.Address), obj.Address, t, size, free, segmentGen, segment, totals);
            int references = !free && type is not null && type.ContainsPointers ? ClrMDReferences(obj) : 0;
            EndObject(obj.Address, references);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BeginObject(long bit, ulong address, int type, ulong size, bool free, Gen segmentGen, ClrSegment segment, GenerationTotals totals)
    {
        int n = Objects;
        if ((n & (CancellationCheckEvery - 1)) == 0)
        {
            _context.Cancellation.ThrowIfCancellationRequested();
            if (n > 0 && (n & (ProgressEvery - 1)) == 0)
            {
                double done = _walkedBytes + (address - segment.ObjectRange.Start);
                _context.Progress($"Indexing the heap: {n:N0} objects", (int)Math.Min(99, done * 100 / _totalBytes));
            }
        }
        if (bit < 0) throw new InvalidOperationException($"The object at 0x{address:x} lies outside every GC segment.");
        Map.Mark(bit);
        TypeOf.Add(type);
        Sizes.Add(size);
        if (type >= _typeCounts.Length)
        {
            Array.Resize(ref _typeCounts, Math.Max(type + 1, _typeCounts.Length * 2));
            Array.Resize(ref _typeBytes, _typeCounts.Length);
        }
        _typeCounts[type]++;
        _typeBytes[type] += (long)size;
        Gen gen = segmentGen != Gen.ByAddress ? segmentGen
            : segment.Generation0.Contains(address) ? Gen.Gen0
            : segment.Generation1.Contains(address) ? Gen.Gen1
            : Gen.Gen2;
        Add(totals, gen, (long)size);
        if (free) totals.Free += (long)size;
        Objects = n + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EndObject(ulong address, int references)
    {
        // Dependent handles (ConditionalWeakTable) keep their secondary alive while the primary lives: an edge.
        (ulong Primary, ulong Secondary)[] dependents = _dependents;
        while (_nextDependent < dependents.Length && dependents[_nextDependent].Primary < address) _nextDependent++;
        while (_nextDependent < dependents.Length && dependents[_nextDependent].Primary == address)
        {
            if (AddTarget(dependents[_nextDependent].Secondary)) references++;
            _nextDependent++;
        }
        ReferenceCounts.Add(references);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FixedReferences(ulong position, ulong size, int[] slots, ulong end)
    {
        if (!EnsureWindow(position, (int)size, end)) return ClrMDReferences(_heap.GetObject(position));
        int references = 0;
        foreach (int slot in slots)
        {
            if (AddTarget(ReadUInt64(position + (ulong)slot))) references++;
        }
        return references;
    }

    /// <summary>References in an array's elements; the same slots in every element. Big arrays are read in pieces.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ElementReferences(ulong first, uint count, uint elementSize, int[] slots, ulong end)
    {
        int references = 0;
        ulong dataBytes = (ulong)count * elementSize;
        if (dataBytes <= WindowBytes && EnsureWindow(first, (int)dataBytes, end))
        {
            for (uint e = 0; e < count; e++)
            {
                ulong element = first + (ulong)e * elementSize;
                foreach (int slot in slots)
                {
                    if (AddTarget(ReadUInt64(element + (ulong)slot))) references++;
                }
            }
            return references;
        }

        byte[] buffer = _scratch;
        int perRead = (int)Math.Max(1, buffer.Length / elementSize);
        for (uint e = 0; e < count; e += (uint)perRead)
        {
            _context.Cancellation.ThrowIfCancellationRequested();
            int elements = (int)Math.Min(perRead, count - e);
            int want = (int)(elements * elementSize);
            if (_memory.Read(first + (ulong)e * elementSize, buffer.AsSpan(0, want)) < want) break;
            for (int k = 0; k < elements; k++)
            {
                int element = k * (int)elementSize;
                foreach (int slot in slots)
                {
                    if (AddTarget(Unsafe.ReadUnaligned<ulong>(ref buffer[element + slot]))) references++;
                }
            }
        }
        return references;
    }

    private int ClrMDReferences(ClrObject obj)
    {
        int references = 0;
        foreach (ulong target in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
        {
            if (AddTarget(target)) references++;
        }
        return references;
    }

    private long[] PerType(long[] totals)
    {
        var exact = new long[Types.Count];
        Array.Copy(totals, exact, Math.Min(totals.Length, exact.Length));
        return exact;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool AddTarget(ulong target)
    {
        if (target == 0) return false;
        long bit = Map.BitOf(target, ref _targetSegment);
        if (bit < 0) return false;
        Targets.Add((uint)bit);
        return true;
    }

    /// <summary>Makes [address, address + length) readable from the window; false when the dump does not have it.</summary>
    private bool EnsureWindow(ulong address, int length, ulong segmentEnd)
    {
        if (address >= _windowStart && address + (ulong)length <= _windowStart + (ulong)_windowLength) return true;
        if (length > WindowBytes) return false;
        int want = (int)Math.Min(WindowBytes, Math.Max((ulong)length, segmentEnd - address));
        int read = _memory.Read(address, _window.AsSpan(0, want));
        _windowStart = address;
        _windowLength = Math.Max(0, read);
        return _windowLength >= length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadUInt64(ulong address) => Unsafe.ReadUnaligned<ulong>(ref _window[(int)(address - _windowStart)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32(ulong address) => Unsafe.ReadUnaligned<uint>(ref _window[(int)(address - _windowStart)]);

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

    /// <summary>Dependent handles (primary, secondary), by primary address, so the walk meets them in order.</summary>
    private static (ulong Primary, ulong Secondary)[] DependentHandles(ClrRuntime runtime)
    {
        var pairs = new List<(ulong Primary, ulong Secondary)>();
        foreach (ClrHandle handle in runtime.EnumerateHandles())
        {
            if (handle.HandleKind != ClrHandleKind.Dependent) continue;
            ulong primary = handle.Object.Address;
            ulong secondary = handle.Dependent.Address;
            if (primary != 0 && secondary != 0) pairs.Add((primary, secondary));
        }
        // A stable order for one primary's secondaries: the order the handle table gave them.
        return pairs.Select((p, i) => (p, i)).OrderBy(x => x.p.Primary).ThenBy(x => x.i).Select(x => x.p).ToArray();
    }
}
