// What the heap walk needs to know about each method table to step over an object and read its references without
// asking ClrMD per object: its heap type number, base and element sizes, and where the object keeps references.
// The reference slots come from the GC's own description of the type (GCDesc), walked once over a made-up object
// whose every byte is non-zero: the offsets it reports are the slots. For arrays the slots of one element repeat
// with the element size. Anything that does not fit that pattern is left to ClrMD, object by object.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

public sealed class ObjectLayout
{
    public required int Type { get; init; }

    /// <summary>The size of an object with no elements (ClrType.StaticSize).</summary>
    public required uint BaseSize { get; init; }

    /// <summary>Bytes per array element or string character; 0 for objects of a fixed size.</summary>
    public required uint ComponentSize { get; init; }

    /// <summary>Strings hold a terminating NUL that their length leaves out.</summary>
    public required bool IsString { get; init; }

    public required bool IsFree { get; init; }

    /// <summary>Offsets of reference slots: from the object's start, or for arrays from each element's start.</summary>
    public required int[] Slots { get; init; }

    /// <summary>References are read through ClrMD for each object (multi-dimensional arrays, unusual layouts).</summary>
    public required bool ReadThroughClrMD { get; init; }

    /// <summary>Where array elements start: after the method table and the length (padded to a pointer).</summary>
    public const int FirstElement = 16;
}

public sealed class ObjectLayouts
{
    private const int SampleElements = 3;
    private readonly ClrHeap _heap;
    private readonly TypeTable _types;
    private readonly Dictionary<ulong, ObjectLayout?> _byMethodTable = new();
    private readonly object _clrmd;

    /// <param name="types">Where new types are numbered (one walker's own table: the layouts are not shared between threads).</param>
    /// <param name="clrmd">Taken around every call into ClrMD (the heap walk's runs share one ClrHeap).</param>
    public ObjectLayouts(ClrHeap heap, TypeTable types, object clrmd)
    {
        _heap = heap;
        _types = types;
        _clrmd = clrmd;
    }

    /// <summary>The layout of the object at this address with this method table, or null when ClrMD knows no such type.</summary>
    public ObjectLayout? Get(ulong methodTable, ulong address, CancellationToken cancellation)
    {
        if (_byMethodTable.TryGetValue(methodTable, out ObjectLayout? known)) return known;
        // A new type costs ClrMD tens of microseconds: a heap with 50,000 types in a row must stay cancellable.
        cancellation.ThrowIfCancellationRequested();
        ObjectLayout? layout;
        lock (_clrmd)
        {
            ClrType? type = methodTable == 0 ? null : _heap.GetObjectType(address);
            layout = type is null || type.MethodTable != methodTable ? null : Create(type, methodTable);
        }
        _byMethodTable[methodTable] = layout;
        return layout;
    }

    private ObjectLayout Create(ClrType type, ulong methodTable)
    {
        uint baseSize = (uint)type.StaticSize;
        uint componentSize = (uint)type.ComponentSize;
        int[] slots = Array.Empty<int>();
        bool throughClrMD = false;
        if (type.ContainsPointers && !type.IsFree && !type.GCDesc.IsEmpty)
        {
            int[]? found = componentSize == 0 ? FixedSlots(type.GCDesc, baseSize)
                : type.IsArray && type.ElementType == ClrElementType.SZArray ? ElementSlots(type.GCDesc, baseSize, componentSize)
                : null;
            if (found is null) throughClrMD = true;
            else slots = found;
        }
        return new ObjectLayout
        {
            Type = _types.IndexOf(type, methodTable),
            BaseSize = baseSize,
            ComponentSize = componentSize,
            IsString = type.IsString,
            IsFree = type.IsFree,
            Slots = slots,
            ReadThroughClrMD = throughClrMD,
        };
    }

    private static int[]? FixedSlots(GCDesc gcDesc, uint baseSize)
    {
        if (baseSize < 16 || baseSize > 1 << 20) return null;
        byte[] sample = new byte[baseSize];
        Array.Fill(sample, (byte)1);
        int[] offsets = Offsets(gcDesc, sample);
        foreach (int o in offsets)
        {
            if (o < 8 || o + 8 > baseSize || (o & 7) != 0) return null;
        }
        return offsets;
    }

    private static int[]? ElementSlots(GCDesc gcDesc, uint baseSize, uint componentSize)
    {
        if (baseSize < ObjectLayout.FirstElement || componentSize == 0 || componentSize > 1 << 16) return null;
        int size = (int)(baseSize + SampleElements * componentSize);
        byte[] sample = new byte[size];
        Array.Fill(sample, (byte)1);
        BitConverter.TryWriteBytes(sample.AsSpan(8, 4), SampleElements);
        BitConverter.TryWriteBytes(sample.AsSpan(12, 4), 0);
        int[] offsets = Offsets(gcDesc, sample);
        var pattern = offsets.Where(o => o >= ObjectLayout.FirstElement && o < ObjectLayout.FirstElement + componentSize)
            .Select(o => o - ObjectLayout.FirstElement).ToArray();
        // The slots must be exactly the element pattern repeated for every element, and nothing else.
        var expected = new List<int>();
        for (int e = 0; e < SampleElements; e++) expected.AddRange(pattern.Select(p => ObjectLayout.FirstElement + e * (int)componentSize + p));
        if (pattern.Length == 0 || !expected.SequenceEqual(offsets) || pattern.Any(p => p + 8 > componentSize)) return null;
        return pattern;
    }

    private static int[] Offsets(GCDesc gcDesc, byte[] sample)
    {
        var offsets = new SortedSet<int>();
        foreach ((ulong _, int offset) in gcDesc.WalkObject(sample, sample.Length)) offsets.Add(offset);
        return offsets.ToArray();
    }
}
