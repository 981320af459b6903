// The `+=` lines of one event: the program's calls to its add_ accessor (EventAddCalls), through the type that
// declares the event's field, the publishers' own types and their base types, or an interface one of them implements,
// each mapped to a file and line through the portable PDB. How many of the event's handlers a site added is told by
// the delegates' methods: a site whose IL makes the delegate from method M accounts for the handlers that call M,
// unless another site of the same event also makes delegates from M (then the heap cannot tell them apart).
using HeapLens.Agent.Index;
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

/// <param name="Handlers">Handlers this site added, when the delegates' methods tell it.</param>
public sealed record SubscriptionSite(SourceLine Line, string Method, long? Handlers);

public static class SubscriptionSites
{
    private const int MaxSites = 20;

    /// <summary>A handler method by the module that defines it and its MethodDef token.</summary>
    public readonly record struct MethodKey(string Module, int Token);

    public static MethodKey? KeyOf(ClrMethod? method) =>
        method?.Type?.Module?.Name is string module && method.MetadataToken >> 24 == 0x06 ? new MethodKey(module, method.MetadataToken) : null;

    /// <param name="handlersByMethod">The event's handlers counted by the method each delegate calls.</param>
    public static List<SubscriptionSite> Find(SnapshotFacts facts, EventGroup group, IReadOnlyDictionary<MethodKey, long> handlersByMethod, CancellationToken cancellation)
    {
        HashSet<string> owners = OwnerTypes(facts, group);
        var calls = facts.EventAddCalls(cancellation)
            .Where(c => c.Event == group.Event && owners.Contains(c.TypeName))
            .ToList();
        // Sites of this event that make delegates from the same method share its handlers: no count for them.
        var sitesPerHandler = calls
            .Where(c => c.HandlerToken != 0)
            .GroupBy(c => new MethodKey(c.Module.Name ?? "", c.HandlerToken))
            .ToDictionary(g => g.Key, g => g.Count());

        var sites = new List<SubscriptionSite>();
        foreach (EventAddCall call in calls)
        {
            if (facts.Snapshot.Sources.AtILOffset(call.Module, call.MethodToken, call.Offset) is not SourceLine line) continue;
            long? handlers = null;
            if (call.HandlerToken != 0)
            {
                var key = new MethodKey(call.Module.Name ?? "", call.HandlerToken);
                if (sitesPerHandler[key] == 1) handlers = handlersByMethod.GetValueOrDefault(key);
            }
            sites.Add(new SubscriptionSite(line, call.Method, handlers));
        }
        return sites
            .DistinctBy(s => (s.Line, s.Method))
            .OrderByDescending(s => s.Handlers ?? -1)
            .ThenBy(s => s.Line.File, StringComparer.Ordinal)
            .ThenBy(s => s.Line.Line)
            .Take(MaxSites)
            .ToList();
    }

    /// <summary>
    /// The type names a `+=` on this event may be compiled against: the field's declaring type, the publishers' types
    /// and every base type of them, and the interfaces those implement. Without generic arguments, as EventAddCalls
    /// spells them.
    /// </summary>
    private static HashSet<string> OwnerTypes(SnapshotFacts facts, EventGroup group)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { EventAddCalls.WithoutGenerics(group.DeclaringType) };
        HeapIndex index = facts.Snapshot.Index;
        var seenTypes = new HashSet<int>();
        foreach (int publisher in group.Publishers)
        {
            if (!seenTypes.Add(index.TypeOf[publisher])) continue;
            for (ClrType? type = facts.Types[index.TypeOf[publisher]]; type is not null && type.Name != "System.Object"; type = type.BaseType)
            {
                if (type.Name is string name) names.Add(EventAddCalls.WithoutGenerics(name));
                foreach (ClrInterface implemented in type.EnumerateInterfaces())
                {
                    for (ClrInterface? i = implemented; i is not null; i = i.BaseInterface) names.Add(EventAddCalls.WithoutGenerics(i.Name));
                }
            }
        }
        return names;
    }
}
