// event-handlers: events whose invocation lists keep their subscribers alive. For each event reported: how many
// delegates it holds, the types of the objects they call, and what those handlers alone keep alive (the objects
// reachable from the subscribers that nothing else reaches once the event's delegates are taken away: a
// retained size, exact for the graph in the dump). Locations: first the `+=` lines that subscribe to the event, found
// in the program's IL (SubscriptionSites), with the handlers each added where the delegates' methods tell it; then the
// handler methods' first lines.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class EventHandlerInsights
{
    private const int MaxLocations = 3;
    private const int MaxSitesNamed = 3;
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
        var handlersByMethod = new Dictionary<SubscriptionSites.MethodKey, long>();
        var methodOfPointers = new Dictionary<(ulong, ulong), SubscriptionSites.MethodKey?>();
        foreach (int value in group.Values)
        {
            blocked.Add(value);
            ClrObject multicast = heap.GetObject(index.Addresses[value]);
            foreach (ClrObject handler in Handlers(multicast, index, blocked))
            {
                if (MethodOf(handler, methodOfPointers) is SubscriptionSites.MethodKey key) handlersByMethod[key] = handlersByMethod.GetValueOrDefault(key) + 1;
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
        List<SubscriptionSite> sites = SubscriptionSites.Find(facts, group, handlersByMethod, cancellation);
        string detail =
            $"The event (or delegate field) {eventName}, held by {where}, holds {Wording.Count(group.Delegates, "delegate")}"
            + (group.Publishers.Count > 1 ? $" (at most {Wording.Count(group.MaxDelegates)} on one object)" : "")
            + $" calling methods of {subscribers}. Nothing else keeps {Wording.Count(keptObjects, "object")} ({Wording.Count(keptBytes)} bytes) reachable from those targets alive. "
            + SitesSentence(sites)
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

        var locations = sites
            .Select(s => new InsightLocation(s.Line.File, s.Line.Line, LocationRole.Subscription, s.Method, s.Handlers))
            .Concat(methods
                .Select(m => FieldInitializers.FirstLine(m, facts.Snapshot.Sources) is InsightLocation l ? l with { Role = LocationRole.Handler, Method = MethodNames.Of(m) } : null)
                .OfType<InsightLocation>())
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

    /// <summary>
    /// The method a single-target delegate calls, resolved once per (_methodPtr, _methodPtrAux) pair: every handler made
    /// from the same method at the same `+=` shares the pair, so thousands of handlers cost a few look-ups.
    /// </summary>
    private static SubscriptionSites.MethodKey? MethodOf(ClrObject handler, Dictionary<(ulong, ulong), SubscriptionSites.MethodKey?> cache)
    {
        if (!handler.IsDelegate) return null;
        handler.TryReadField("_methodPtr", out nint pointer);
        handler.TryReadField("_methodPtrAux", out nint aux);
        var pair = ((ulong)pointer, (ulong)aux);
        if (!cache.TryGetValue(pair, out SubscriptionSites.MethodKey? key))
            cache[pair] = key = SubscriptionSites.KeyOf(handler.AsDelegate().GetDelegateTarget()?.Method);
        return key;
    }

    /// <summary>" It is subscribed to at 3 places: View..ctor (Program.cs:33, 300 handlers), …"</summary>
    private static string SitesSentence(List<SubscriptionSite> sites)
    {
        if (sites.Count == 0) return "";
        var named = sites.Take(MaxSitesNamed).Select(s =>
            $"{s.Method} ({Path.GetFileName(s.Line.File)}:{s.Line.Line}{(s.Handlers is long n ? ", " + Wording.Count(n, "handler") : "")})");
        return $"It is subscribed to at {Wording.Count(sites.Count, "place")}: {string.Join(", ", named)}{(sites.Count > MaxSitesNamed ? " and more" : "")}. ";
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
