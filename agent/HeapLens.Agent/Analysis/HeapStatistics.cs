// heap/stats (dumpheap -stat): count and bytes per type name, free space apart; and the per-name totals that
// heap/diff compares. Reads only the index.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Analysis;

public static class HeapStatistics
{
    public static HeapStats Build(HeapIndex index, int? top, string? sort)
    {
        if (top is < 0) throw AgentException.InvalidParams($"top must be zero or more, not {top}.");
        if (sort is not null and not "bytes" and not "count") throw AgentException.InvalidParams($"sort must be \"bytes\" or \"count\", not \"{sort}\".");

        IEnumerable<TypeStat> types = ByName(index).Values;
        types = sort == "count"
            ? types.OrderByDescending(t => t.Count).ThenByDescending(t => t.Bytes).ThenBy(t => t.Name, StringComparer.Ordinal)
            : types.OrderByDescending(t => t.Bytes).ThenByDescending(t => t.Count).ThenBy(t => t.Name, StringComparer.Ordinal);
        if (top is int n) types = types.Take(n);
        return new HeapStats(index.LiveCount, index.LiveBytes, new CountAndBytes(index.FreeCount, index.FreeBytes), types.ToList());
    }

    /// <summary>Live objects grouped by type name (method tables that share a name are one entry).</summary>
    public static Dictionary<string, TypeStat> ByName(HeapIndex index)
    {
        var byName = new Dictionary<string, TypeStat>(StringComparer.Ordinal);
        TypeTable types = index.Types;
        for (int t = 0; t < types.Count; t++)
        {
            if (types.IsFree(t) || types.Counts[t] == 0) continue;
            string name = types.NameOf(t);
            byName[name] = byName.TryGetValue(name, out TypeStat? seen)
                ? seen with { Count = seen.Count + types.Counts[t], Bytes = seen.Bytes + types.Bytes[t] }
                : new TypeStat(name, types.Counts[t], types.Bytes[t]);
        }
        return byName;
    }
}
