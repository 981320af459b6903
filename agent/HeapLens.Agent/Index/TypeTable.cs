// The heap types of a snapshot, one entry per method table, numbered in the order the heap walk meets them.
// Several method tables can share a name (a generic instantiated in two load contexts); queries by name see them all.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

public sealed class TypeTable
{
    private readonly Dictionary<ulong, int> _byMethodTable = new();
    private readonly List<string> _names = new();
    private readonly List<bool> _free = new();
    private Dictionary<string, int[]>? _byName;
    private NameTotals? _totals;

    public int Count => _names.Count;

    /// <summary>Per type: live (or free) objects and their bytes, filled by the heap walk.</summary>
    public long[] Counts { get; private set; } = Array.Empty<long>();

    public long[] Bytes { get; private set; } = Array.Empty<long>();

    public string NameOf(int type) => _names[type];

    /// <summary>Per type, its method table (for the index cache).</summary>
    internal ulong[] MethodTables()
    {
        var tables = new ulong[_names.Count];
        foreach ((ulong methodTable, int index) in _byMethodTable) tables[index] = methodTable;
        return tables;
    }

    /// <summary>A sealed table as the index cache stored it.</summary>
    internal static TypeTable Restore(ulong[] methodTables, string[] names, bool[] free, long[] counts, long[] bytes)
    {
        var table = new TypeTable();
        for (int t = 0; t < names.Length; t++)
        {
            table._byMethodTable[methodTables[t]] = t;
            table._names.Add(names[t]);
            table._free.Add(free[t]);
        }
        table.Seal(counts, bytes);
        return table;
    }

    public bool IsFree(int type) => _free[type];

    /// <summary>The index of a type, adding it on first sight. A null type (unreadable method table) gets one shared entry.</summary>
    public int IndexOf(ClrType? type, ulong methodTable)
    {
        if (_byMethodTable.TryGetValue(methodTable, out int index)) return index;
        return Add(methodTable, type?.Name ?? (methodTable == 0 ? "<unreadable object>" : $"<unknown type 0x{methodTable:x}>"), type?.IsFree == true);
    }

    /// <summary>The index of a method table, adding it with this name on first sight (the heap walk joins its runs' tables so).</summary>
    internal int Add(ulong methodTable, string name, bool free)
    {
        if (_byMethodTable.TryGetValue(methodTable, out int index)) return index;
        index = _names.Count;
        _byMethodTable.Add(methodTable, index);
        _names.Add(name);
        _free.Add(free);
        return index;
    }

    /// <summary>Called once the walk is done with its per-type totals; builds the by-name lookup.</summary>
    public void Seal(long[] counts, long[] bytes)
    {
        Counts = counts;
        Bytes = bytes;
        _byName = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var group in Enumerable.Range(0, _names.Count).GroupBy(i => _names[i], StringComparer.Ordinal))
            _byName[group.Key] = group.ToArray();
    }

    /// <summary>Live totals per type name and their sort orders, computed on first use (after Seal).</summary>
    public NameTotals Totals => LazyInitializer.EnsureInitialized(ref _totals, () => NameTotals.Of(this));

    /// <summary>Every type index with this name (empty when the snapshot has no such type).</summary>
    public int[] Named(string name) => _byName!.TryGetValue(name, out int[]? found) ? found : Array.Empty<int>();

    /// <summary>
    /// Up to max full names a user may have meant by a name that matched none: the same name in another case, or
    /// a type whose name ends with it after a namespace or an outer type ("CacheEntry" for
    /// "Microsoft.Extensions.Caching.Memory.CacheEntry"), so an error can say which to type.
    /// </summary>
    public IReadOnlyList<string> NamesLike(string name, int max)
    {
        string wanted = name.Trim();
        return _byName!.Keys
            .Where(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase)
                || n.EndsWith("." + wanted, StringComparison.OrdinalIgnoreCase)
                || n.EndsWith("+" + wanted, StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => n.Length)
            .ThenBy(n => n, StringComparer.Ordinal)
            .Take(max)
            .ToList();
    }
}
