// event-handlers: events whose invocation lists keep their subscribers alive. For each event reported: how many
// delegates it holds, the types of the objects they call, and what those handlers alone keep alive (the objects
// reachable from the subscribers that nothing else reaches once the event's delegates are taken away: a
// retained size, exact for the graph in the dump). Locations are the handler methods' first lines: the `+=`
// that added them is code, not heap, and is not in the dump.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class EventHandlerInsights
{
    private const int MaxLocations = 3;
    private const int MaxTargetTypesNamed = 5;

    public static IEnumerable<Insight> Find(SnapshotFacts facts, SnapshotFacts? baseline, CancellationToken cancellation)
    {
        Dictionary<string, EventGroup>? before = baseline?.Events(cancellation).ToDictionary(g => g.Key, StringComparer.Ordinal);
        var reported = facts.Events(cancellation)
            .Where(g => g.MaxDelegates >= InsightThresholds.EventMinDelegates)
            .Take(InsightThresholds.EventGroupsMeasured)
            .ToList();
        foreach (EventGroup group in reported)
        {
            cancellation.ThrowIfCancellationRequested();
            EventGroup? earlier = before?.GetValueOrDefault(group.Key);
            yield return Describe(facts, group, baseline is null ? null : earlier?.Delegates ?? 0, cancellation);
        }
    }

    private static Insight Describe(SnapshotFacts facts, EventGroup group, long? delegatesBefore, CancellationToken cancellation)
    {
        HeapIndex index = facts.Snapshot.Index;
        ClrHeap heap = facts.Snapshot.Heap;
        var blocked = new HashSet<int>();
        var targets = new HashSet<int>();
        var targetTypes = new Dictionary<string, long>(StringComparer.Ordinal);
        var methods = new List<ClrMethod>();
        foreach (int value in group.Values)
        {
            blocked.Add(value);
            ClrObject multicast = heap.GetObject(index.Addresses[value]);
            foreach (ClrObject handler in Handlers(multicast, index, blocked))
            {
                if (!handler.TryReadObjectField("_target", out ClrObject target) || target.IsNull || target.Address == handler.Address) continue;
                int t = index.IndexOf(target.Address);
                if (t < 0 || !targets.Add(t)) continue;
                string typeName = target.Type?.Name ?? "?";
                targetTypes[typeName] = targetTypes.GetValueOrDefault(typeName) + 1;
            }
            if (methods.Count < MaxLocations) CollectMethods(multicast, methods);
        }

        var (keptObjects, keptBytes) = HeapGraph.KeptAlive(index, facts.Rooted(cancellation), targets, blocked, cancellation);
        string[] typeNames = targetTypes.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToArray();
        long growth = delegatesBefore is long b ? group.Delegates - b : 0;
        bool warning = group.MaxDelegates >= InsightThresholds.EventWarnDelegates || growth > 0;

        string eventName = $"{group.DeclaringType}.{group.Event}";
        string shortName = $"{Wording.ShortType(group.DeclaringType)}.{group.Event}";
        string subscribers = typeNames.Length == 0 ? "static methods" : string.Join(", ", typeNames.Take(MaxTargetTypesNamed)) + (typeNames.Length > MaxTargetTypesNamed ? $" and {typeNames.Length - MaxTargetTypesNamed} more types" : "");
        string title = $"{(group.IsStatic ? "Static event" : "Event")} {shortName} holds {Wording.Count(group.Delegates, "handler")} keeping {Wording.Count(keptObjects, "object")} ({Wording.Bytes(keptBytes)}) alive"
            + (growth > 0 ? $", {Wording.Count(growth)} more than in the baseline" : "");
        string where = group.IsStatic ? "a static field" : group.Publishers.Count == 1 ? "one object" : $"{Wording.Count(group.Publishers.Count, "object")}";
        string detail =
            $"The event (or delegate field) {eventName}, held by {where}, holds {Wording.Count(group.Delegates, "delegate")}"
            + (group.Publishers.Count > 1 ? $" (at most {Wording.Count(group.MaxDelegates)} on one object)" : "")
            + $" calling methods of {subscribers}. Nothing else keeps {Wording.Count(keptObjects, "object")} ({Wording.Count(keptBytes)} bytes) reachable from those targets alive. "
            + (delegatesBefore is long before ? (growth > 0 ? $"It held {Wording.Count(before)} in the baseline: handlers are added and never removed. " : $"It held {Wording.Count(before)} in the baseline. ") : "")
            + "An event keeps every subscriber alive for as long as the publisher lives; when the publisher lives long (a static, a singleton, "
            + "a long-lived service), subscribers that never unsubscribe are never freed. Remove the handler when the subscriber is done "
            + "(`-=` in its Dispose or close path), or make the subscription weak (a weak event pattern, or a WeakReference to the subscriber).";

        var figures = new Figures()
            .Add("declaringType", group.DeclaringType)
            .Add("event", group.Event)
            .Add("publishers", group.IsStatic ? 0 : group.Publishers.Count)
            .Add("delegates", group.Delegates)
            .Add("maxDelegates", group.MaxDelegates)
            .Add("targetTypes", string.Join(", ", typeNames))
            .Add("targets", targets.Count)
            .Add("keptObjects", keptObjects)
            .Add("keptBytes", keptBytes);
        if (delegatesBefore is long earlier) figures.Add("delegatesBefore", earlier).Add("delegatesGrowth", growth);

        var locations = methods
            .Select(m => FieldInitializers.FirstLine(m, facts.Snapshot.Sources))
            .OfType<InsightLocation>()
            .Distinct()
            .ToList();
        var addresses = new List<string>();
        if (group.Publishers.Count > 0) addresses.Add(Json.Hex(index.Addresses[group.Publishers[0]]));
        if (targets.Count > 0) addresses.Add(Json.Hex(index.Addresses[targets.Min()]));
        return new Insight(
            InsightKind.EventHandlers,
            warning ? Severity.Warning : Severity.Info,
            title,
            detail,
            figures.Build(),
            locations,
            new[] { group.DeclaringType }.Concat(typeNames).Distinct().ToList(),
            addresses);
    }

    /// <summary>The delegates a delegate invokes: the elements of its invocation list, or itself. Each one joins blocked.</summary>
    private static IEnumerable<ClrObject> Handlers(ClrObject value, HeapIndex index, HashSet<int> blocked)
    {
        if (value.TryReadObjectField("_invocationList", out ClrObject list) && !list.IsNull && list.IsArray
            && value.TryReadField("_invocationCount", out nint count))
        {
            int listIndex = index.IndexOf(list.Address);
            if (listIndex >= 0) blocked.Add(listIndex);
            ClrArray array = list.AsArray();
            int n = (int)Math.Min(count, array.Length);
            for (int i = 0; i < n; i++)
            {
                ClrObject element = array.GetObjectValue(i);
                if (element.IsNull) continue;
                int e = index.IndexOf(element.Address);
                if (e >= 0) blocked.Add(e);
                yield return element;
            }
            yield break;
        }
        yield return value;
    }

    private static void CollectMethods(ClrObject value, List<ClrMethod> methods)
    {
        if (!value.IsDelegate) return;
        foreach (ClrDelegateTarget target in value.AsDelegate().EnumerateDelegateTargets().Take(1000))
        {
            if (methods.Count >= MaxLocations) return;
            ClrMethod? method = target.Method;
            if (method is null || methods.Exists(m => m.MethodDesc == method.MethodDesc)) continue;
            methods.Add(method);
        }
    }
}
