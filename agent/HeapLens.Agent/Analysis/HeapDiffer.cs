// heap/diff: what grew between two snapshots, by type name. Types on one side only get zeros on the other.
// Sorted by growth (default), or by the later snapshot's bytes or count; filtered and paged like heap/stats.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Analysis;

public static class HeapDiffer
{
    public static HeapDiff Compare(HeapIndex before, HeapIndex after, int? top = null, int? offset = null, string? filter = null, string? sort = null)
    {
        TypePage.Check(top, offset);
        if (sort is not null and not "growth" and not "bytes" and not "count")
            throw AgentException.InvalidParams($"sort must be \"growth\", \"bytes\" or \"count\", not \"{sort}\".");
        Dictionary<string, TypeStat> b = HeapStatistics.ByName(before);
        Dictionary<string, TypeStat> a = HeapStatistics.ByName(after);
        var zero = new CountAndBytes(0, 0);
        var all = b.Keys.Union(a.Keys, StringComparer.Ordinal)
            .Select(name => new TypeDiff(
                name,
                b.TryGetValue(name, out TypeStat? x) ? new CountAndBytes(x.Count, x.Bytes) : zero,
                a.TryGetValue(name, out TypeStat? y) ? new CountAndBytes(y.Count, y.Bytes) : zero));
        IOrderedEnumerable<TypeDiff> ordered = sort switch
        {
            "bytes" => all.OrderByDescending(d => d.After.Bytes).ThenByDescending(d => d.After.Count),
            "count" => all.OrderByDescending(d => d.After.Count).ThenByDescending(d => d.After.Bytes),
            _ => all.OrderByDescending(d => d.After.Bytes - d.Before.Bytes).ThenByDescending(d => d.After.Count - d.Before.Count),
        };
        var (page, total) = TypePage.Take(ordered.ThenBy(d => d.Name, StringComparer.Ordinal), d => d.Name, filter, offset, top);
        return new HeapDiff(page, total);
    }
}
