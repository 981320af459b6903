// Live objects and bytes per heap type name (method tables that share a name summed; free space left out), and
// the two orders heap/stats lists them in. Computed once per snapshot, so a heap/stats with `top` costs the page
// it returns, not a sort of every type (a heap can have 50,000 of them).
namespace HeapLens.Agent.Index;

public sealed class NameTotals
{
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

    public static NameTotals Of(TypeTable types)
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var counts = new List<long>();
        var bytes = new List<long>();
        for (int t = 0; t < types.Count; t++)
        {
            if (types.IsFree(t) || types.Counts[t] == 0) continue;
            string name = types.NameOf(t);
            if (!position.TryGetValue(name, out int p))
            {
                position[name] = p = names.Count;
                names.Add(name);
                counts.Add(0);
                bytes.Add(0);
            }
            counts[p] += types.Counts[t];
            bytes[p] += types.Bytes[t];
        }
        return new NameTotals(names.ToArray(), counts.ToArray(), bytes.ToArray());
    }
}
