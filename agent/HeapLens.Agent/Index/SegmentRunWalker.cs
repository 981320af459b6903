// One worker of the heap walk: a run of neighbouring GC segments, object after object in address order. For each
// object it marks where the object starts, and records its heap type (numbered in this run's own TypeTable), its
// size and the objects it refers to; it adds the object's bytes to its type and its generation. HeapWalker splits
// the segments into runs, one per core, and joins what the runs collected in address order.
// It reads each segment's memory in 4 MB windows and steps from object to object itself, with the layout of each
// method table (ObjectLayouts): ClrMD's own rules for sizes and allocation contexts, without ClrMD's cost per
// object. Where the memory stops making sense (a method table ClrMD does not know, an object that runs past its
// segment) the rest of that segment goes through ClrMD's careful walk, so the objects are the ones ClrMD lists.
// The memory comes straight from the dump file (DumpFileReader) where HeapWalker could open it, else through ClrMD.
// Threads: the dump's memory is read concurrently (ClrMD's memory-mapped reader allows it; HeapWalker walks on one
// thread when the reader does not say so); every call into ClrHeap or ClrType takes the walk's ClrMD lock.
using System.Runtime.CompilerServices;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

internal sealed class SegmentRunWalker
{
    private const int WindowBytes = 4 << 20;
    private const int MinObjectSize = 24;
    private const int ProgressEvery = 1 << 20;
    private const int CancellationCheckEvery = 1 << 14;

    private readonly HeapWalker _walk;
    private readonly int _worker;
    private readonly HeapWalker.Segment[] _segments;
    private readonly ClrHeap _heap;
    private readonly IMemoryReader _memory;
    private readonly DumpFileReader? _file;
    private readonly AddressMap _map;
    private readonly (ulong Primary, ulong Secondary)[] _dependents;
    private readonly byte[] _window = GC.AllocateUninitializedArray<byte>(WindowBytes);
    private readonly byte[] _scratch = GC.AllocateUninitializedArray<byte>(1 << 20);
    // The map words this run shares with the runs beside it (the first and the last of its bits): another worker may
    // mark objects in them at the same time, so they are marked atomically; every other word is this run's alone.
    private readonly long _sharedLowWord;
    private readonly long _sharedHighWord;
    private long[] _typeCounts = new long[256];
    private long[] _typeBytes = new long[256];
    private CancellationToken _cancellation;
    private ulong _windowStart;
    private int _windowLength;
    private int _nextDependent;
    private int _targetSegment = -1;
    private ulong _walkedBytes;

    public SegmentRunWalker(HeapWalker walk, int worker, HeapWalker.Segment[] segments)
    {
        _walk = walk;
        _worker = worker;
        _segments = segments;
        _heap = walk.Heap;
        _memory = walk.Memory;
        _file = walk.DumpFile;
        _map = walk.Map;
        _dependents = walk.Dependents;
        Layouts = new ObjectLayouts(_heap, Types, walk.ClrMDGate);
        // The walk meets primaries in address order: this run's start at the first primary not below it.
        ulong first = segments.Length > 0 ? segments[0].Start : ulong.MaxValue;
        int lo = 0, hi = _dependents.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_dependents[mid].Primary < first) lo = mid + 1;
            else hi = mid;
        }
        _nextDependent = lo;
        if (segments.Length > 0)
        {
            _sharedLowWord = _map.BitOf(segments[0].Start) >> 6;
            HeapWalker.Segment last = segments[^1];
            _sharedHighWord = _map.BitOf((last.End - 1) & ~7UL) >> 6;
        }
    }

    /// <summary>This run's heap types, in the order it met them (HeapWalker renumbers them for the whole heap).</summary>
    public TypeTable Types { get; } = new();

    public ObjectLayouts Layouts { get; }

    public TypeColumn.Builder TypeOf { get; } = new();

    public SizeColumn.Builder Sizes { get; } = new();

    public ChunkedList<int> ReferenceCounts { get; } = new();

    public ChunkedList<uint> Targets { get; } = new();

    public int Objects { get; private set; }

    public int ClrMDFallbacks { get; private set; }

    public Dictionary<int, GenerationTotals> Heaps { get; } = new();

    public long[] TypeCounts => _typeCounts;

    public long[] TypeBytes => _typeBytes;

    public void Walk(CancellationToken cancellation)
    {
        _cancellation = cancellation;
        bool fast = _memory.PointerSize == 8;
        foreach (HeapWalker.Segment segment in _segments)
        {
            if (!Heaps.TryGetValue(segment.HeapIndex, out GenerationTotals? totals)) Heaps[segment.HeapIndex] = totals = new GenerationTotals { Index = segment.HeapIndex };
            ulong resumeAt = fast ? WalkSegment(segment, totals) : segment.FirstObject;
            if (resumeAt < segment.End)
            {
                ClrMDFallbacks++;
                lock (_walk.ClrMDGate) WalkWithClrMD(segment, resumeAt, totals);
            }
            _walkedBytes += segment.End - segment.Start;
        }
        _walk.ReportProgress(_worker, Objects, _walkedBytes);
    }

    /// <summary>Walks a segment from its first object; returns where ClrMD has to take over (its end when done).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong WalkSegment(in HeapWalker.Segment segment, GenerationTotals totals)
    {
        ulong start = segment.Start;
        ulong end = segment.End;
        ulong position = segment.FirstObject;
        long firstBit = _map.BitOf(start);
        // ClrMD skips allocation contexts everywhere but in large-object and frozen segments.
        (ulong Start, ulong End)[] contexts = segment.SkipsAllocationContexts ? _walk.AllocationContexts : Array.Empty<(ulong, ulong)>();
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
                layout = Layouts.Get(methodTable, position, _cancellation);
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

            BeginObject(firstBit + (long)((position - start) >> 3), position, layout.Type, size, layout.IsFree, segment, totals);
            int references = 0;
            if (layout.Slots.Length > 0)
            {
                references = layout.ComponentSize == 0
                    ? FixedReferences(position, size, layout.Slots, end)
                    : ElementReferences(position + ObjectLayout.FirstElement, count, layout.ComponentSize, layout.Slots, end);
            }
            else if (layout.ReadThroughClrMD)
            {
                references = ClrMDReferences(position);
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

    /// <summary>ClrMD's careful walk of the rest of a segment; the caller holds the ClrMD lock.</summary>
    private void WalkWithClrMD(in HeapWalker.Segment segment, ulong from, GenerationTotals totals)
    {
        ulong last = 0;
        foreach (ClrObject obj in _heap.EnumerateObjects(new MemoryRange(from, segment.End), carefully: true))
        {
            // Object numbers follow addresses: anything not past the last object (it should not happen) is left out.
            if (obj.Address < from || (last != 0 && obj.Address <= last)) continue;
            last = obj.Address;
            ClrType? type = obj.Type;
            ulong methodTable = type?.MethodTable ?? 0;
            int t = Types.IndexOf(type, methodTable);
            ulong size = obj.Size;
            bool free = type?.IsFree == true;
            BeginObject(_map.BitOf(obj.Address), obj.Address, t, size, free, segment, totals);
            int references = !free && type is not null && type.ContainsPointers ? ClrMDReferences(obj) : 0;
            EndObject(obj.Address, references);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BeginObject(long bit, ulong address, int type, ulong size, bool free, in HeapWalker.Segment segment, GenerationTotals totals)
    {
        int n = Objects;
        if ((n & (CancellationCheckEvery - 1)) == 0)
        {
            _cancellation.ThrowIfCancellationRequested();
            if (n > 0 && (n & (ProgressEvery - 1)) == 0) _walk.ReportProgress(_worker, n, _walkedBytes + (address - segment.Start));
        }
        if (bit < 0) throw new InvalidOperationException($"The object at 0x{address:x} lies outside every GC segment.");
        long word = bit >> 6;
        if (word == _sharedLowWord || word == _sharedHighWord) _map.MarkShared(bit);
        else _map.Mark(bit);
        TypeOf.Add(type);
        Sizes.Add(size);
        if (type >= _typeCounts.Length)
        {
            Array.Resize(ref _typeCounts, Math.Max(type + 1, _typeCounts.Length * 2));
            Array.Resize(ref _typeBytes, _typeCounts.Length);
        }
        _typeCounts[type]++;
        _typeBytes[type] += (long)size;
        HeapWalker.Gen gen = segment.Gen != HeapWalker.Gen.ByAddress ? segment.Gen
            : segment.Generation0.Contains(address) ? HeapWalker.Gen.Gen0
            : segment.Generation1.Contains(address) ? HeapWalker.Gen.Gen1
            : HeapWalker.Gen.Gen2;
        HeapWalker.Add(totals, gen, (long)size);
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
        if (!EnsureWindow(position, (int)size, end)) return ClrMDReferences(position);
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
            _cancellation.ThrowIfCancellationRequested();
            int elements = (int)Math.Min(perRead, count - e);
            int want = (int)(elements * elementSize);
            if (Read(first + (ulong)e * elementSize, buffer.AsSpan(0, want)) < want) break;
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

    private int ClrMDReferences(ulong address)
    {
        lock (_walk.ClrMDGate) return ClrMDReferences(_heap.GetObject(address));
    }

    /// <summary>The caller holds the ClrMD lock.</summary>
    private int ClrMDReferences(ClrObject obj)
    {
        int references = 0;
        foreach (ulong target in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
        {
            if (AddTarget(target)) references++;
        }
        return references;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool AddTarget(ulong target)
    {
        if (target == 0) return false;
        long bit = _map.BitOf(target, ref _targetSegment);
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
        int read = Read(address, _window.AsSpan(0, want));
        _windowStart = address;
        _windowLength = Math.Max(0, read);
        return _windowLength >= length;
    }

    /// <summary>From the dump file when the walk reads it directly, else (or where the file reader cannot) through ClrMD.</summary>
    private int Read(ulong address, Span<byte> buffer)
    {
        int read = _file?.Read(address, buffer) ?? -1;
        return read >= 0 ? read : _memory.Read(address, buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadUInt64(ulong address) => Unsafe.ReadUnaligned<ulong>(ref _window[(int)(address - _windowStart)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32(ulong address) => Unsafe.ReadUnaligned<uint>(ref _window[(int)(address - _windowStart)]);
}
