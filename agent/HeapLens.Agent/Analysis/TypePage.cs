// One page of a list of heap types: the type-name filter (case-insensitive substring) and offset/top that
// heap/stats and heap/diff share, so a view of 50,000 types asks for a screenful at a time.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Analysis;

public static class TypePage
{
    public static void Check(int? top, int? offset)
    {
        if (top is < 0) throw AgentException.InvalidParams($"top must be zero or more, not {top}.");
        if (offset is < 0) throw AgentException.InvalidParams($"offset must be zero or more, not {offset}.");
    }

    public static bool Matches(string name, string? filter) =>
        string.IsNullOrEmpty(filter) || name.Contains(filter, StringComparison.OrdinalIgnoreCase);

    /// <summary>The page of `ordered` that survives the filter, and how many survive in all (for "200 of 50,000").</summary>
    public static (List<T> Page, int Total) Take<T>(IEnumerable<T> ordered, Func<T, string> name, string? filter, int? offset, int? top)
    {
        string? needle = string.IsNullOrWhiteSpace(filter) ? null : filter.Trim();
        int skip = offset ?? 0;
        int total = 0;
        var page = new List<T>(Math.Min(top ?? 256, 4096));
        foreach (T item in ordered)
        {
            if (!Matches(name(item), needle)) continue;
            if (total >= skip && (top is not int n || page.Count < n)) page.Add(item);
            total++;
        }
        return (page, total);
    }
}
