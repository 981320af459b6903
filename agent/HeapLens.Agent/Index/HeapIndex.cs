// The per-snapshot index built by one heap walk. Objects are numbered 0..Count-1 in address order; everything
// about them lives in compact columns (no .NET object per heap object): addresses as a bitmap of object starts
// (AddressMap), heap types and sizes in two bytes each, and references as CSR arrays of object numbers in both
// directions, so stats, instance pages and retention paths never walk the dump again. About 30 bytes per object.
namespace HeapLens.Agent.Index;

public sealed class HeapIndex
{
    private readonly LoadOnce<IndexColumns> _columns;
    private readonly long _storedMemoryBytes;

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
        : this(map.Count, types, heaps, isServer, memoryBytes: -1, new LoadOnce<IndexColumns>(new IndexColumns(map, typeOf, sizes, refStart, refs, backStart, back, pages)))
    {
    }

    /// <summary>
    /// An index whose columns are read on first need (the index cache): what heap/stats answers (the types and their
    /// totals, the heaps) is here at once; <paramref name="load"/> gives the columns, and may throw when the file they
    /// come from turns out to be damaged (the caller rebuilds the index from the dump then).
    /// </summary>
    public HeapIndex(int count, TypeTable types, GenerationTotals[] heaps, bool isServer, long memoryBytes, Func<IndexColumns> load)
        : this(count, types, heaps, isServer, memoryBytes, new LoadOnce<IndexColumns>(load))
    {
    }

    private HeapIndex(int count, TypeTable types, GenerationTotals[] heaps, bool isServer, long memoryBytes, LoadOnce<IndexColumns> columns)
    {
        Count = count;
        Types = types;
        Heaps = heaps;
        IsServer = isServer;
        _storedMemoryBytes = memoryBytes;
        _columns = columns;
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

    /// <summary>The per-object columns, read on first use when this index came from the cache.</summary>
    private IndexColumns Columns => _columns.Value;

    /// <summary>True once the per-object columns are in memory (always, for an index built from the dump).</summary>
    public bool HasColumns => _columns.IsLoaded;

    public int Count { get; }

    /// <summary>The columns as they are stored (for the index cache).</summary>
    internal AddressMap Map => Columns.Map;

    internal SizeColumn Sizes => Columns.Sizes;

    /// <summary>Object start addresses, ascending (computed from the AddressMap on each read).</summary>
    public AddressColumn Addresses => new(Columns.Map);

    /// <summary>Per object: its index in <see cref="Types"/>.</summary>
    public TypeColumn TypeOf => Columns.TypeOf;

    public TypeTable Types { get; }

    /// <summary>Forward references: the objects that object i refers to are Refs[RefStart[i]..RefStart[i+1]].</summary>
    public int[] RefStart => Columns.RefStart;

    public int[] Refs => Columns.Refs;

    /// <summary>Reverse references: the objects that refer to object i are Back[BackStart[i]..BackStart[i+1]], ascending.</summary>
    public int[] BackStart => Columns.BackStart;

    public int[] Back => Columns.Back;
    /// <summary>Per GC heap, bytes by generation (see HeapWalker for how objects are assigned).</summary>
    public GenerationTotals[] Heaps { get; }

    public bool IsServer { get; }

    public long LiveCount { get; }

    public long LiveBytes { get; }

    public long FreeCount { get; }

    public long FreeBytes { get; }

    public ulong SizeOf(int i) => Columns.Sizes[i];

    /// <summary>The index's columns and reference arrays in bytes: what keeping this snapshot open costs, for the
    /// memory budget of whoever opened it (type names and ClrMD's own caches are not counted).</summary>
    public long MemoryBytes => _storedMemoryBytes >= 0 && !_columns.IsLoaded ? _storedMemoryBytes : Columns.MemoryBytes + 16L * Types.Count;

    /// <summary>The number of the object that starts at this address, or -1.</summary>
    public int IndexOf(ulong address) => Columns.Map.IndexOf(address);

    /// <summary>The number of the object whose memory contains this address, or -1.</summary>
    public int IndexContaining(ulong address)
    {
        int i = Columns.Map.IndexAtOrBefore(address);
        return i >= 0 && address < Addresses[i] + SizeOf(i) ? i : -1;
    }

    /// <summary>How many objects the given types have.</summary>
    public long CountOf(int[] types) => types.Sum(t => Types.Counts[t]);

    /// <summary>Object numbers of instances of the given types in index (address) order, skipping the first
    /// <paramref name="skip"/>. One type (the usual case) takes time in proportion to the page, not to the skip.</summary>
    public List<int> InstancesOf(int[] types, int skip, int take, CancellationToken cancellation)
    {
        InstancePages instancePages = Columns.Pages;
        if (types.Length == 1) return instancePages.Of(types[0], TypeOf, skip, take, cancellation);

        // Several method tables with one name (rare): merge their pages in address order.
        var pages = types.Select(t => instancePages.Of(t, TypeOf, 0, (int)Math.Min(int.MaxValue, (long)skip + take), cancellation)).ToArray();
        return pages.SelectMany(p => p).OrderBy(i => i).Skip(skip).Take(take).ToList();
    }
}

/// <summary>The per-object part of an index: what the heap walk builds and the index cache reads on first need.</summary>
public sealed record IndexColumns(AddressMap Map, TypeColumn TypeOf, SizeColumn Sizes, int[] RefStart, int[] Refs, int[] BackStart, int[] Back, InstancePages Pages)
{
    public long MemoryBytes =>
        Map.MemoryBytes + TypeOf.MemoryBytes + Sizes.MemoryBytes + Pages.MemoryBytes
        + 4L * ((long)RefStart.Length + Refs.Length + BackStart.Length + Back.Length);
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
