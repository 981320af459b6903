// The per-snapshot index built by one heap walk. Objects are numbered 0..Count-1 in address order; everything
// about them lives in parallel arrays (no .NET object per heap object), and references are CSR arrays of object
// numbers in both directions, so stats, instance lists and retention paths never walk the dump again.
namespace HeapLens.Agent.Index;

public sealed class HeapIndex
{
    public HeapIndex(
        ulong[] addresses,
        int[] typeOf,
        uint[] sizes,
        Dictionary<int, ulong> largeSizes,
        TypeTable types,
        int[] refStart,
        int[] refs,
        int[] backStart,
        int[] back,
        GenerationTotals[] heaps,
        bool isServer)
    {
        Addresses = addresses;
        TypeOf = typeOf;
        _sizes = sizes;
        _largeSizes = largeSizes;
        Types = types;
        RefStart = refStart;
        Refs = refs;
        BackStart = backStart;
        Back = back;
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

    private readonly uint[] _sizes;
    private readonly Dictionary<int, ulong> _largeSizes;

    public int Count => Addresses.Length;

    /// <summary>Object start addresses, ascending.</summary>
    public ulong[] Addresses { get; }

    /// <summary>Per object: its index in <see cref="Types"/>.</summary>
    public int[] TypeOf { get; }

    public TypeTable Types { get; }

    /// <summary>Forward references: the objects that object i refers to are Refs[RefStart[i]..RefStart[i+1]].</summary>
    public int[] RefStart { get; }

    public int[] Refs { get; }

    /// <summary>Reverse references: the objects that refer to object i are Back[BackStart[i]..BackStart[i+1]], ascending.</summary>
    public int[] BackStart { get; }

    public int[] Back { get; }

    /// <summary>Per GC heap, bytes by generation (see HeapIndexBuilder for how objects are assigned).</summary>
    public GenerationTotals[] Heaps { get; }

    public bool IsServer { get; }

    public long LiveCount { get; }

    public long LiveBytes { get; }

    public long FreeCount { get; }

    public long FreeBytes { get; }

    public ulong SizeOf(int i) => _sizes[i] != uint.MaxValue ? _sizes[i] : _largeSizes[i];

    /// <summary>The number of the object that starts at this address, or -1.</summary>
    public int IndexOf(ulong address)
    {
        int i = Array.BinarySearch(Addresses, address);
        return i >= 0 ? i : -1;
    }

    /// <summary>The number of the object whose memory contains this address, or -1.</summary>
    public int IndexContaining(ulong address)
    {
        int i = Array.BinarySearch(Addresses, address);
        if (i >= 0) return i;
        i = ~i - 1;
        return i >= 0 && address < Addresses[i] + SizeOf(i) ? i : -1;
    }

    /// <summary>How many objects the given types have.</summary>
    public long CountOf(int[] types) => types.Sum(t => Types.Counts[t]);

    /// <summary>Object numbers of instances of the given types in index (address) order, skipping the first
    /// <paramref name="skip"/>; the scan stops as soon as it has <paramref name="take"/>.</summary>
    public List<int> InstancesOf(int[] types, int skip, int take, CancellationToken cancellation)
    {
        var wanted = new bool[Types.Count];
        foreach (int t in types) wanted[t] = true;
        var found = new List<int>(Math.Min(take, 1 << 16));
        int[] typeOf = TypeOf;
        int seen = 0;
        for (int i = 0; i < typeOf.Length && found.Count < take; i++)
        {
            if ((i & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (!wanted[typeOf[i]]) continue;
            if (seen++ >= skip) found.Add(i);
        }
        return found;
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
