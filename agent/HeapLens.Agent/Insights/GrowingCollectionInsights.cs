// growing-collection: long-lived collections (held by a static field, directly or through one object) whose
// element count grew since the baseline. One snapshot cannot tell growth from size, so without a baseline this
// says nothing. Located at the line that initializes the field, when the PDB is there.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Insights;

public static class GrowingCollectionInsights
{
    public static IEnumerable<Insight> Find(SnapshotFacts facts, SnapshotFacts? baseline, CancellationToken cancellation)
    {
        if (baseline is null) yield break;
        Dictionary<string, CollectionFact> before = baseline.Collections(cancellation);
        var grown = facts.Collections(cancellation).Values
            .Select(after => (After: after, Before: before.GetValueOrDefault(after.Name)))
            .Where(p => p.Before is not null && p.After.Count > p.Before.Count)
            .OrderByDescending(p => p.After.Count - p.Before!.Count)
            .ThenBy(p => p.After.Name, StringComparer.Ordinal)
            .Take(InsightThresholds.CollectionsReported)
            .ToList();
        foreach (var (after, earlier) in grown)
        {
            cancellation.ThrowIfCancellationRequested();
            yield return Describe(facts, after, earlier!);
        }
    }

    private static Insight Describe(SnapshotFacts facts, CollectionFact after, CollectionFact before)
    {
        long growth = after.Count - before.Count;
        string collection = Wording.ShortType(after.CollectionType);
        string title = $"{after.Name} grew by {Wording.Count(growth, "element")} to {Wording.Count(after.Count)}";
        string holder = after.IsStatic ? "a static field" : "a field of an object that a static field holds";
        string detail =
            $"The {collection} in {after.Name} ({holder}) held {Wording.Count(before.Count, "element")} in the baseline and holds "
            + $"{Wording.Count(after.Count)} now. A collection that lives as long as the program and only grows is a leak in the making: "
            + "everything in it stays reachable. If it is a cache, bound it (a size limit with eviction, or MemoryCache with expiration); "
            + "if entries belong to something with a shorter life, remove them when that ends; if it only needs to find live objects, "
            + "key it weakly (ConditionalWeakTable).";
        var figures = new Figures()
            .Add("field", after.Name)
            .Add("collectionType", after.CollectionType)
            .Add("countBefore", before.Count)
            .Add("countAfter", after.Count)
            .Add("growth", growth);
        var location = FieldInitializers.Find(after.DeclaringType, after.Field, after.IsStatic, facts.Snapshot.Sources, facts.Snapshot.Runtime.DataTarget.DataReader);
        return new Insight(
            InsightKind.GrowingCollection,
            growth >= InsightThresholds.CollectionWarnGrowth ? Severity.Warning : Severity.Info,
            title,
            detail,
            figures.Build(),
            location is null ? Array.Empty<InsightLocation>() : new[] { location },
            new[] { after.CollectionType },
            new[] { Json.Hex(after.Address) });
    }
}
