// heap/diff: what grew between two snapshots, by type name. Types on one side only get zeros on the other.
// Sorted by growth (default), or by the later snapshot's bytes, count or retained bytes; filtered and paged like
// heap/stats. Live objects by default; with `all`, unreachable ones too.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Analysis;

public static class HeapDiffer
{
    public static HeapDiff Compare(
        Dictionary<string, TypeDiffSide> b,
        Dictionary<string, TypeDiffSide> a,
        UnreachableSides unreachable,
        int? top = null,
        int? offset = null,
        string? filter = null,
        string? sort = null)
    {
        var zero = new TypeDiffSide(0, 0, 0);
        var all = b.Keys.Union(a.Keys, StringComparer.Ordinal)
            .Select(name => new TypeDiff(name, b.GetValueOrDefault(name, zero), a.GetValueOrDefault(name, zero)));
        IOrderedEnumerable<TypeDiff> ordered = sort switch
        {
            "bytes" => all.OrderByDescending(d => d.After.Bytes).ThenByDescending(d => d.After.Count),
            "count" => all.OrderByDescending(d => d.After.Count).ThenByDescending(d => d.After.Bytes),
            "retained" => all.OrderByDescending(d => d.After.RetainedBytes).ThenByDescending(d => d.After.Bytes),
            _ => all.OrderByDescending(d => d.After.Bytes - d.Before.Bytes).ThenByDescending(d => d.After.Count - d.Before.Count),
        };
        var (page, total) = TypePage.Take(ordered.ThenBy(d => d.Name, StringComparer.Ordinal), d => d.Name, filter, offset, top);
        return new HeapDiff(page, total, unreachable);
    }

    /// <summary>Checks the paging and sort before any work is done.</summary>
    public static void Check(int? top, int? offset, string? sort)
    {
        TypePage.Check(top, offset);
        if (sort is not null and not "growth" and not "bytes" and not "count" and not "retained")
            throw AgentException.InvalidParams($"sort must be \"growth\", \"bytes\", \"count\" or \"retained\", not \"{sort}\".");
    }
}
