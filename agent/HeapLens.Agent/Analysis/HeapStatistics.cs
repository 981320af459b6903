// heap/stats (dumpheap -stat): count and bytes per type name, free space apart; and the per-name totals that
// heap/diff compares. Reads only the index.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Analysis;

public static class HeapStatistics
{
    public static HeapStats Build(HeapIndex index, int? top, string? sort, int? offset = null, string? filter = null)
    {
        TypePage.Check(top, offset);
        if (sort is not null and not "bytes" and not "count") throw AgentException.InvalidParams($"sort must be \"bytes\" or \"count\", not \"{sort}\".");

        // The per-name totals and both orders are computed once per snapshot: a page costs only the filter's scan.
        NameTotals totals = index.Types.Totals;
        int[] order = sort == "count" ? totals.ByCount : totals.BySize;
        var (page, total) = TypePage.Take(order, k => totals.Names[k], filter, offset, top);
        var types = page.Select(k => new TypeStat(totals.Names[k], totals.Counts[k], totals.Bytes[k])).ToList();
        return new HeapStats(index.LiveCount, index.LiveBytes, new CountAndBytes(index.FreeCount, index.FreeBytes), types, total);
    }

    /// <summary>Live objects grouped by type name (method tables that share a name are one entry).</summary>
    public static Dictionary<string, TypeStat> ByName(HeapIndex index)
    {
        NameTotals totals = index.Types.Totals;
        var byName = new Dictionary<string, TypeStat>(totals.Length, StringComparer.Ordinal);
        for (int k = 0; k < totals.Length; k++) byName[totals.Names[k]] = new TypeStat(totals.Names[k], totals.Counts[k], totals.Bytes[k]);
        return byName;
    }
}
