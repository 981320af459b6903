// heap/insights: runs every kind of insight on a snapshot (with an earlier snapshot of the same program as the
// baseline when given) and lists them warnings first, then by kind. The baseline's facts are gathered under the
// baseline's own gate beforehand (SnapshotFacts.PrepareAsBaseline); this runs under the inspected snapshot's gate.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Insights;

public static class InsightEngine
{
    public static InsightList Run(SnapshotFacts facts, SnapshotFacts? baseline, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var steps = new (string Progress, Func<IEnumerable<Insight>> Find)[]
        {
            ("Finding what the roots reach", () => { facts.Reachable(cancellation); return Array.Empty<Insight>(); }),
            ("Building the dominator tree: what each object keeps alive", () => AccumulationPointInsights.Find(facts, baseline, context)),
            ("Looking at events and their handlers", () => EventHandlerInsights.Find(facts, baseline, cancellation)),
            ("Comparing long-lived collections", () => GrowingCollectionInsights.Find(facts, baseline, cancellation)),
            ("Looking for duplicate strings", () => DuplicateStringInsights.Find(facts, cancellation)),
            ("Measuring the Large Object Heap", () => LohFragmentationInsights.Find(facts)),
            ("Reading the finalization queue", () => FinalizerInsights.Find(facts, cancellation)),
            ("Reading the threads", () => ThreadInsights.Find(facts, cancellation)),
            ("Counting dynamic assemblies", () => DynamicAssemblyInsights.Find(facts, baseline)),
            ("Reading the GC mode", () => ServerGcInsights.Find(facts)),
        };
        var found = new List<Insight>();
        for (int i = 0; i < steps.Length; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            context.Progress(steps[i].Progress, i * 100 / steps.Length);
            long started = clock.ElapsedMilliseconds;
            found.AddRange(steps[i].Find());
            Log.Info($"Insights of {facts.Snapshot.Id}: {steps[i].Progress.ToLowerInvariant()} took {clock.ElapsedMilliseconds - started} ms.");
        }
        var ordered = found
            .Select((insight, n) => (insight, n))
            .OrderBy(x => x.insight.Severity == Severity.Warning ? 0 : 1)
            .ThenBy(x => Array.IndexOf(InsightKind.Order, x.insight.Kind))
            .ThenBy(x => x.n)
            .Select(x => x.insight)
            .ToList();
        return new InsightList(ordered);
    }
}
