// The events of a snapshot: delegate-typed fields (an event's backing field is one) that hold a delegate, grouped
// by the field's declaring type and name across every object that has it, with how many delegates they hold.
// A multicast delegate keeps its handlers in _invocationList (an object[] of _invocationCount delegates); a single
// handler is the delegate itself. Only reachable holders count: each `+=` leaves the previous multicast delegate
// behind as garbage until the next collection. Static events are found through the static fields.
using HeapLens.Agent.Index;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public sealed class EventGroup
{
    private EventGroup(string declaringType, string eventName, bool isStatic)
    {
        DeclaringType = declaringType;
        Event = eventName;
        IsStatic = isStatic;
    }

    public string DeclaringType { get; }

    /// <summary>The field's name: for a field-like event, the event's name.</summary>
    public string Event { get; }

    public bool IsStatic { get; }

    public string Key => $"{DeclaringType}.{Event}";

    /// <summary>Objects whose field holds a delegate (none for a static event).</summary>
    public List<int> Publishers { get; } = new();

    /// <summary>The delegate objects the fields hold (multicast or single).</summary>
    public List<int> Values { get; } = new();

    /// <summary>Handlers in all: the sum of the invocation list lengths.</summary>
    public long Delegates { get; private set; }

    /// <summary>The longest invocation list of one holder.</summary>
    public long MaxDelegates { get; private set; }

    public static List<EventGroup> FindAll(SnapshotFacts facts, CancellationToken cancellation)
    {
        HeapIndex index = facts.Snapshot.Index;
        ClrHeap heap = facts.Snapshot.Heap;
        bool[] reachable = facts.Reachable(cancellation);
        TypeCatalog types = facts.Types;
        var groups = new Dictionary<string, EventGroup>(StringComparer.Ordinal);
        int[] delegateTypes = types.Where(TypeCatalog.IsDelegate).ToArray();
        if (delegateTypes.Length == 0) return new List<EventGroup>();

        var isDelegateType = new bool[types.Count];
        foreach (int t in delegateTypes) isDelegateType[t] = true;
        var statics = new Dictionary<int, List<StaticValue>>();
        foreach (StaticValue value in facts.Statics(cancellation))
        {
            if (!isDelegateType[index.TypeOf[value.Object]]) continue;
            if (!statics.TryGetValue(value.Object, out List<StaticValue>? list)) statics[value.Object] = list = new List<StaticValue>();
            list.Add(value);
        }

        foreach (int d in index.InstancesOf(delegateTypes, 0, int.MaxValue, cancellation))
        {
            if (!reachable[d]) continue;
            ulong address = index.Addresses[d];
            long count = -1;
            foreach (int holder in HeapGraph.Referrers(index, d))
            {
                if (!reachable[holder] || isDelegateType[index.TypeOf[holder]]) continue;
                ClrType? holderType = types[index.TypeOf[holder]];
                if (holderType is null || holderType.IsArray) continue;
                foreach (ClrInstanceField field in holderType.Fields)
                {
                    if (!field.IsObjectReference || field.ReadObject(index.Addresses[holder], interior: false).Address != address) continue;
                    if (count < 0) count = InvocationCount(heap.GetObject(address));
                    string declaring = field.ContainingType?.Name ?? holderType.Name ?? "?";
                    Add(groups, declaring, field.Name ?? "?", false, holder, d, count);
                }
            }
            if (statics.TryGetValue(d, out List<StaticValue>? held))
            {
                if (count < 0) count = InvocationCount(heap.GetObject(address));
                foreach (StaticValue value in held) Add(groups, value.DeclaringType.Name ?? "?", value.Field.Name ?? "?", true, -1, d, count);
            }
        }
        return groups.Values.OrderByDescending(g => g.Delegates).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>How many handlers a delegate stands for: its invocation list's count, or 1.</summary>
    public static long InvocationCount(ClrObject value)
    {
        if (value.TryReadObjectField("_invocationList", out ClrObject list) && !list.IsNull && list.IsArray
            && value.TryReadField("_invocationCount", out nint count))
            return count;
        return 1;
    }

    private static void Add(Dictionary<string, EventGroup> groups, string declaringType, string field, bool isStatic, int holder, int value, long count)
    {
        string key = $"{declaringType}.{field}";
        if (!groups.TryGetValue(key, out EventGroup? group)) groups[key] = group = new EventGroup(declaringType, field, isStatic);
        if (holder >= 0) group.Publishers.Add(holder);
        group.Values.Add(value);
        group.Delegates += count;
        group.MaxDelegates = Math.Max(group.MaxDelegates, count);
    }
}
