// The per-snapshot index built by one heap walk. Objects are numbered 0..Count-1 in address order; everything
// about them lives in compact columns (no .NET object per heap object): addresses as a bitmap of object starts
// (AddressMap), heap types and sizes in two bytes each, and references as CSR arrays of object numbers in both
// directions, so stats, instance pages and retention paths never walk the dump again. About 30 bytes per object.
namespace HeapLens.Agent.Index;

public sealed class HeapIndex
{
    private readonly AddressMap _map;
    private readonly SizeColumn _sizes;
    private readonly InstancePages _pages;

    public HeapIndex(
        AddressMap map,
        TypeColumn typeOf,
        SizeColumn sizes,
        TypeTable types,
        int[] refStart,
        int[] refs,
        int[] backStart,
        int[] back,
        InstancePages pages,
        GenerationTotals[] heaps,
        bool isServer)
    {
        _map = map;
        Addresses = new AddressColumn(map);
        TypeOf = typeOf;
        _sizes = sizes;
        Types = types;
        RefStart = refStart;
        Refs = refs;
        BackStart = backStart;
        Back = back;
        _pages = pages;
        Heaps = heaps;
        IsServer = isServer;
        for (int t = 0; t < types.Count; t++)
        {
            if (types.IsFree(t))
            {
                FreeCount += types.Counts[t];
                FreeBytes += types.Bytes[t];
            }
            else
            {
                LiveCount += types.Counts[t];
                LiveBytes += types.Bytes[t];
            }
        }
    }

    public int Count => _map.Count;

    /// <summary>The columns as they are stored (for the index cache).</summary>
    internal AddressMap Map => _map;

    internal SizeColumn Sizes => _sizes;

    /// <summary>Object start addresses, ascending (computed from the AddressMap on each read).</summary>
    public AddressColumn Addresses { get; }

    /// <summary>Per object: its index in <see cref="Types"/>.</summary>
    public TypeColumn TypeOf { get; }

    public TypeTable Types { get; }

    /// <summary>Forward references: the objects that object i refers to are Refs[RefStart[i]..RefStart[i+1]].</summary>
    public int[] RefStart { get; }

    public int[] Refs { get; }

    /// <summary>Reverse references: the objects that refer to object i are Back[BackStart[i]..BackStart[i+1]], ascending.</summary>
    public int[] BackStart { get; }

    public int[] Back { get; }

    /// <summary>Per GC heap, bytes by generation (see HeapWalker for how objects are assigned).</summary>
    public GenerationTotals[] Heaps { get; }

    public bool IsServer { get; }

    public long LiveCount { get; }

    public long LiveBytes { get; }

    public long FreeCount { get; }

    public long FreeBytes { get; }

    public ulong SizeOf(int i) => _sizes[i];

    /// <summary>The index's columns and reference arrays in bytes: what keeping this snapshot open costs, for the
    /// memory budget of whoever opened it (type names and ClrMD's own caches are not counted).</summary>
    public long MemoryBytes =>
        _map.MemoryBytes + TypeOf.MemoryBytes + _sizes.MemoryBytes + _pages.MemoryBytes
        + 4L * ((long)RefStart.Length + Refs.Length + BackStart.Length + Back.Length) + 16L * Types.Count;

    /// <summary>The number of the object that starts at this address, or -1.</summary>
    public int IndexOf(ulong address) => _map.IndexOf(address);

    /// <summary>The number of the object whose memory contains this address, or -1.</summary>
    public int IndexContaining(ulong address)
    {
        int i = _map.IndexAtOrBefore(address);
        return i >= 0 && address < Addresses[i] + SizeOf(i) ? i : -1;
    }

    /// <summary>How many objects the given types have.</summary>
    public long CountOf(int[] types) => types.Sum(t => Types.Counts[t]);

    /// <summary>Object numbers of instances of the given types in index (address) order, skipping the first
    /// <paramref name="skip"/>. One type (the usual case) takes time in proportion to the page, not to the skip.</summary>
    public List<int> InstancesOf(int[] types, int skip, int take, CancellationToken cancellation)
    {
        if (types.Length == 1) return _pages.Of(types[0], TypeOf, skip, take, cancellation);

        // Several method tables with one name (rare): merge their pages in address order.
        var pages = types.Select(t => _pages.Of(t, TypeOf, 0, (int)Math.Min(int.MaxValue, (long)skip + take), cancellation)).ToArray();
        return pages.SelectMany(p => p).OrderBy(i => i).Skip(skip).Take(take).ToList();
    }
}

/// <summary>Bytes of one GC heap by generation; Free counts free objects across all of them.</summary>
public sealed class GenerationTotals
{
    public int Index { get; init; }
    public long Gen0 { get; set; }
    public long Gen1 { get; set; }
    public long Gen2 { get; set; }
    public long Loh { get; set; }
    public long Poh { get; set; }
    public long Free { get; set; }
}
