// accumulation-point (MAT's leak suspects): one live object that alone keeps a large share of the live heap alive,
// or whose retained size grew the most since the baseline. Found from the top of the dominator tree (the objects no
// other object dominates), each walked down while one child holds most of it, so the insight names where the memory
// accumulates (the array inside a dictionary, not the dictionary's owner) unless the child is of the holder's own
// type (a chain is reported at its head). Named with its root and path, what it retains and the type it mostly holds.
using HeapLens.Agent.Retention;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

/// <summary>Where a top-level retainer's memory accumulates, keyed by how it is held (root and path) to match it across snapshots.</summary>
public sealed record Retainer(int Object, string Key, long RetainedBytes);

public static class AccumulationPointInsights
{
    /// <summary>The largest top-level retainers of a snapshot (call inside its RunAsync).</summary>
    public static List<Retainer> TopRetainers(Snapshot snapshot, SnapshotRetention retention, CancellationToken cancellation)
    {
        DominatorTree tree = retention.Tree;
        var top = new List<int>();
        for (int v = 0; v < tree.Count; v++)
        {
            if ((v & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (tree.ImmediateDominator(v) == DominatorTree.TopLevel && tree.RetainedBytes(v) >= InsightThresholds.AccumulationMinBytes) top.Add(v);
        }
        int[] points = Descend(snapshot, tree, top.OrderByDescending(tree.RetainedBytes).Take(InsightThresholds.AccumulationCandidates).ToArray(), cancellation);
        return points
            .Select(v => new Retainer(v, KeyOf(snapshot, retention, v, cancellation), tree.RetainedBytes(v)))
            .OrderByDescending(r => r.RetainedBytes)
            .ToList();
    }

    /// <summary>
    /// Each one down the dominator tree while one child holds most of it (not into an instance of its own type, so a
    /// chain stays at its head): one scan of the immediate dominators per level, for all of them at once.
    /// </summary>
    private static int[] Descend(Snapshot snapshot, DominatorTree tree, int[] points, CancellationToken cancellation)
    {
        var active = new Dictionary<int, int>();
        for (int k = 0; k < points.Length; k++) active[points[k]] = k;
        for (int step = 0; step < InsightThresholds.AccumulationMaxDescent && active.Count > 0; step++)
        {
            var biggest = new Dictionary<int, int>();
            for (int w = 0; w < tree.Count; w++)
            {
                if ((w & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
                int d = tree.ImmediateDominator(w);
                if (d < 0 || !active.ContainsKey(d)) continue;
                if (!biggest.TryGetValue(d, out int b) || tree.RetainedBytes(w) > tree.RetainedBytes(b)) biggest[d] = w;
            }
            var next = new Dictionary<int, int>();
            foreach (var (v, k) in active)
            {
                if (!biggest.TryGetValue(v, out int child)) continue;
                if (tree.RetainedBytes(child) * 100.0 / tree.RetainedBytes(v) < InsightThresholds.AccumulationDescendPercent) continue;
                if (snapshot.Index.TypeOf[child] == snapshot.Index.TypeOf[v]) continue;
                points[k] = child;
                next[child] = k;
            }
            active = next;
        }
        return points;
    }

    public static IEnumerable<Insight> Find(SnapshotFacts facts, SnapshotFacts? baseline, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        Snapshot snapshot = facts.Snapshot;
        SnapshotRetention retention = snapshot.RetentionFor(context);
        long live = snapshot.Live.Bytes;
        List<Retainer> now = facts.Retainers(context);
        Dictionary<string, long>? before = baseline?.Retainers(context).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Max(r => r.RetainedBytes));

        // By share: each accumulation point that retains at least 10% of the live heap.
        var reported = new List<(Retainer Top, long? Before)>();
        foreach (Retainer r in now)
        {
            if (r.RetainedBytes * 100.0 / Math.Max(1, live) < InsightThresholds.AccumulationPercent) continue;
            reported.Add((r, before is not null && before.TryGetValue(r.Key, out long b) ? b : null));
            if (reported.Count == InsightThresholds.AccumulationReported) break;
        }
        // By growth: the accumulation point that grew most since the baseline (matched by root and path), by at least
        // 1 MB and 10%.
        if (before is not null)
        {
            var grown = now
                .Where(r => before.ContainsKey(r.Key))
                .Select(r => (Top: r, Before: before[r.Key]))
                .Where(p => p.Top.RetainedBytes - p.Before >= InsightThresholds.AccumulationMinGrowthBytes && (p.Top.RetainedBytes - p.Before) * 100.0 / Math.Max(1, p.Before) >= InsightThresholds.AccumulationPercent)
                .OrderByDescending(p => p.Top.RetainedBytes - p.Before)
                .FirstOrDefault();
            if (grown.Top is not null && !reported.Any(p => p.Top.Object == grown.Top.Object)) reported.Insert(0, (grown.Top, grown.Before));
        }
        foreach (var (top, earlier) in reported)
        {
            cancellation.ThrowIfCancellationRequested();
            yield return Describe(snapshot, retention, top.Object, earlier, cancellation);
        }
    }

    private static Insight Describe(Snapshot snapshot, SnapshotRetention retention, int v, long? before, CancellationToken cancellation)
    {
        var index = snapshot.Index;
        DominatorTree tree = retention.Tree;
        string type = index.Types.NameOf(index.TypeOf[v]);
        long retained = tree.RetainedBytes(v);
        double percent = retained * 100.0 / Math.Max(1, snapshot.Live.Bytes);
        (string heldType, long heldBytes) = MostlyHeld(snapshot, tree, v, cancellation);
        RootDescription root = retention.RootOf(v, cancellation);
        string rootText = RootText(root);
        List<string> pathTypes = PathTypes(retention, snapshot, v, cancellation);
        string path = string.Join(" → ", pathTypes);
        string shortPath = string.Join(" → ", pathTypes.Select(Wording.ShortType));
        string growth = before is long b ? $", {Wording.Bytes(retained - b)} more than in the baseline" : "";
        string title = $"{Wording.ShortType(type)} held by {rootText} retains {Wording.Bytes(retained)} ({Wording.Percent(percent)} of the live heap){growth}";
        string detail =
            $"One {Wording.ShortType(type)} is the only way to {Wording.Count(tree.RetainedObjects(v), "object")} ({Wording.Bytes(retained)}, mostly {Wording.ShortType(heldType)}): "
            + $"they are freed when it goes. It is held by {rootText} through {shortPath}. Memory that accumulates in one holder is the usual shape of a leak: "
            + "a cache or list that only grows, or a long-lived object that keeps what it no longer needs. Bound it (evict, cap, expire), remove entries when "
            + "their owner is done, or stop holding it when the work ends.";
        var figures = new Figures()
            .Add("type", type)
            .Add("address", Json.Hex(index.Addresses[v]))
            .Add("retainedBytes", retained)
            .Add("retainedObjects", tree.RetainedObjects(v))
            .Add("retainedPercent", percent);
        if (before is long earlier) figures.Add("retainedBefore", earlier).Add("retainedGrowth", retained - earlier);
        figures.Add("heldType", heldType).Add("heldTypeBytes", heldBytes).Add("root", rootText).Add("path", path);
        InsightLocation? location = Location(snapshot, root);
        return new Insight(
            InsightKind.AccumulationPoint,
            Severity.Warning,
            title,
            detail,
            figures.Build(),
            location is null ? Array.Empty<InsightLocation>() : new[] { location },
            new[] { type, heldType }.Distinct().ToList(),
            new[] { Json.Hex(index.Addresses[v]) });
    }

    /// <summary>The heap type whose instances make up most of v's dominator subtree, and their bytes (v itself left out).</summary>
    private static (string Type, long Bytes) MostlyHeld(Snapshot snapshot, DominatorTree tree, int v, CancellationToken cancellation)
    {
        // 0 unknown, 1 inside v's subtree, 2 outside: each object's answer is its dominator's, remembered on the way up.
        var state = new byte[tree.Count];
        state[v] = 1;
        var bytesByType = new Dictionary<int, long>();
        var chain = new List<int>();
        for (int w = 0; w < tree.Count; w++)
        {
            if ((w & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int x = w;
            chain.Clear();
            while (state[x] == 0)
            {
                chain.Add(x);
                int d = tree.ImmediateDominator(x);
                if (d < 0)
                {
                    state[x] = 2;
                    break;
                }
                x = d;
            }
            byte answer = state[x];
            foreach (int y in chain) state[y] = answer;
            if (answer == 1 && w != v)
            {
                int t = snapshot.Index.TypeOf[w];
                bytesByType[t] = bytesByType.GetValueOrDefault(t) + (long)snapshot.Index.SizeOf(w);
            }
        }
        if (bytesByType.Count == 0) return (snapshot.Index.Types.NameOf(snapshot.Index.TypeOf[v]), 0);
        var top = bytesByType.MaxBy(p => p.Value);
        return (snapshot.Index.Types.NameOf(top.Key), top.Value);
    }

    private static List<string> PathTypes(SnapshotRetention retention, Snapshot snapshot, int v, CancellationToken cancellation)
    {
        ShortestPathTree paths = retention.Paths(cancellation);
        var types = new List<string>();
        for (int x = v; x >= 0; x = paths.Parent(x))
        {
            string name = snapshot.Index.Types.NameOf(snapshot.Index.TypeOf[x]);
            if (types.Count == 0 || types[^1] != name) types.Add(name);
            if (types.Count > 12) break;
        }
        types.Reverse();
        return types;
    }

    private static string KeyOf(Snapshot snapshot, SnapshotRetention retention, int v, CancellationToken cancellation)
    {
        RootDescription r = retention.RootOf(v, cancellation);
        return $"{r.Kind}|{r.HandleKind}|{r.Method}|{r.Field}|{string.Join("/", PathTypes(retention, snapshot, v, cancellation))}";
    }

    private static string RootText(RootDescription root) => root.Kind switch
    {
        "static" => $"the static field {root.Field}",
        "stack" => $"a local of {root.Method}",
        "handle" => $"a {root.HandleKind} handle",
        "finalizer" => "the finalizer queue",
        _ => "a root",
    };

    private static InsightLocation? Location(Snapshot snapshot, RootDescription root)
    {
        if (root.Kind == "stack" && root.File is string file && root.Line is int line) return new InsightLocation(file, line);
        if (root.Kind != "static" || root.Field is not string name || name.LastIndexOf('.') is not (> 0 and int dot)) return null;
        string typeName = name[..dot];
        string fieldName = name[(dot + 1)..];
        foreach (ClrModule module in snapshot.Runtime.EnumerateModules())
        {
            if (module.GetTypeByName(typeName) is not ClrType type) continue;
            if (type.GetStaticFieldByName(fieldName) is not ClrStaticField field) continue;
            return FieldInitializers.Find(type, field, true, snapshot.Sources, snapshot.Runtime.DataTarget.DataReader);
        }
        return null;
    }
}
