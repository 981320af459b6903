// heap/diff: what grew between two snapshots, by type name. Types on one side only get zeros on the other.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Analysis;

public static class HeapDiffer
{
    public static HeapDiff Compare(HeapIndex before, HeapIndex after)
    {
        Dictionary<string, TypeStat> b = HeapStatistics.ByName(before);
        Dictionary<string, TypeStat> a = HeapStatistics.ByName(after);
        var zero = new CountAndBytes(0, 0);
        var types = b.Keys.Union(a.Keys, StringComparer.Ordinal)
            .Select(name => new TypeDiff(
                name,
                b.TryGetValue(name, out TypeStat? x) ? new CountAndBytes(x.Count, x.Bytes) : zero,
                a.TryGetValue(name, out TypeStat? y) ? new CountAndBytes(y.Count, y.Bytes) : zero))
            .OrderByDescending(d => d.After.Bytes - d.Before.Bytes)
            .ThenByDescending(d => d.After.Count - d.Before.Count)
            .ThenBy(d => d.Name, StringComparer.Ordinal)
            .ToList();
        return new HeapDiff(types);
    }
}
