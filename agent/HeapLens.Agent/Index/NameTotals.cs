// Objects and bytes per heap type name (all objects, or live ones only; method tables that share a name summed; free space left out), and
// the two orders heap/stats lists them in. Computed once per snapshot, so a heap/stats with `top` costs the page
// it returns, not a sort of every type (a heap can have 50,000 of them).
namespace HeapLens.Agent.Index;

public sealed class NameTotals
{
    private Dictionary<string, int>? _positions;

    private NameTotals(string[] names, long[] counts, long[] bytes)
    {
        Names = names;
        Counts = counts;
        Bytes = bytes;
        var all = Enumerable.Range(0, names.Length).ToArray();
        // The orders heap/stats has always used: the sort key, then the other one, then the name.
        BySize = all.OrderByDescending(i => bytes[i]).ThenByDescending(i => counts[i]).ThenBy(i => names[i], StringComparer.Ordinal).ToArray();
        ByCount = all.OrderByDescending(i => counts[i]).ThenByDescending(i => bytes[i]).ThenBy(i => names[i], StringComparer.Ordinal).ToArray();
    }

    public string[] Names { get; }

    public long[] Counts { get; }

    public long[] Bytes { get; }

    /// <summary>Positions in Names, largest bytes first.</summary>
    public int[] BySize { get; }

    /// <summary>Positions in Names, most instances first.</summary>
    public int[] ByCount { get; }

    public int Length => Names.Length;

    /// <summary>The position of a name, or -1 (built on first use).</summary>
    public int PositionOf(string name)
    {
        _positions ??= Enumerable.Range(0, Names.Length).ToDictionary(k => Names[k], StringComparer.Ordinal);
        return _positions.TryGetValue(name, out int p) ? p : -1;
    }

    /// <summary>Totals as the index cache kept them (in the same positions).</summary>
    internal static NameTotals Restore(string[] names, long[] counts, long[] bytes) => new(names, counts, bytes);

    /// <summary>Every object of the snapshot, live or not (the walk's totals).</summary>
    public static NameTotals Of(TypeTable types) => Of(types, types.Counts, types.Bytes);

    /// <summary>The given per-type totals (e.g. live objects only) by name; types with no objects are left out.</summary>
    public static NameTotals Of(TypeTable types, long[] typeCounts, long[] typeBytes)
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var counts = new List<long>();
        var bytes = new List<long>();
        for (int t = 0; t < types.Count; t++)
        {
            if (types.IsFree(t) || typeCounts[t] == 0) continue;
            string name = types.NameOf(t);
            if (!position.TryGetValue(name, out int p))
            {
                position[name] = p = names.Count;
                names.Add(name);
                counts.Add(0);
                bytes.Add(0);
            }
            counts[p] += typeCounts[t];
            bytes[p] += typeBytes[t];
        }
        return new NameTotals(names.ToArray(), counts.ToArray(), bytes.ToArray());
    }
}
