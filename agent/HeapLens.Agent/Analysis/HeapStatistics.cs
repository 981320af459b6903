// heap/stats (dumpheap -stat): count, bytes and retained bytes per type name, free space apart; and the per-name
// totals that heap/diff compares. Live objects by default; with `all`, unreachable ones too (SOS dumpheap -stat).
using HeapLens.Agent.Retention;
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Analysis;

public static class HeapStatistics
{
    public static HeapStats Build(Snapshot snapshot, SnapshotRetention retention, bool all, int? top, string? sort, int? offset = null, string? filter = null)
    {
        TypePage.Check(top, offset);
        if (sort is not null and not "bytes" and not "count" and not "retained")
            throw AgentException.InvalidParams($"sort must be \"bytes\", \"count\" or \"retained\", not \"{sort}\".");

        // The per-name totals and the two plain orders are computed once per snapshot: a page costs only the filter's scan.
        HeapIndex index = snapshot.Index;
        NameTotals totals = Totals(snapshot, all);
        int[] order = sort switch
        {
            "count" => totals.ByCount,
            "retained" => ByRetained(totals, retention),
            _ => totals.BySize,
        };
        var (page, total) = TypePage.Take(order, k => totals.Names[k], filter, offset, top);
        var types = page.Select(k => new TypeStat(totals.Names[k], totals.Counts[k], totals.Bytes[k], retention.TypeRetained(totals.Names[k]))).ToList();
        var live = snapshot.Live;
        var unreachable = new CountAndBytes(live.UnreachableCount, live.UnreachableBytes);
        long objects = live.Count + (all ? live.UnreachableCount : 0);
        long bytes = live.Bytes + (all ? live.UnreachableBytes : 0);
        return new HeapStats(objects, bytes, new CountAndBytes(index.FreeCount, index.FreeBytes), unreachable, types, total);
    }

    /// <summary>Objects grouped by type name (method tables that share a name are one entry): live ones, or all.</summary>
    public static Dictionary<string, TypeDiffSide> ByName(Snapshot snapshot, SnapshotRetention retention, bool all)
    {
        NameTotals totals = Totals(snapshot, all);
        var byName = new Dictionary<string, TypeDiffSide>(totals.Length, StringComparer.Ordinal);
        for (int k = 0; k < totals.Length; k++)
            byName[totals.Names[k]] = new TypeDiffSide(totals.Counts[k], totals.Bytes[k], retention.TypeRetained(totals.Names[k]));
        return byName;
    }

    private static NameTotals Totals(Snapshot snapshot, bool all) => all ? snapshot.Index.Types.Totals : snapshot.Live.Totals;

    private static int[] ByRetained(NameTotals totals, SnapshotRetention retention)
    {
        var retained = new long[totals.Length];
        for (int k = 0; k < retained.Length; k++) retained[k] = retention.TypeRetained(totals.Names[k]);
        return Enumerable.Range(0, totals.Length)
            .OrderByDescending(k => retained[k])
            .ThenByDescending(k => totals.Bytes[k])
            .ThenBy(k => totals.Names[k], StringComparer.Ordinal)
            .ToArray();
    }
}
