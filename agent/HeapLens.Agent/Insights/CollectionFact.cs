// The long-lived collections of a snapshot and their element counts: collections held by a static field, and
// collections held by a field of an object that a static field holds ("Ns.Type.s_cache.items"). Named the same
// way in every snapshot of a program, so a later snapshot can say which of them grew.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public sealed record CollectionFact(
    string Name,
    string CollectionType,
    long Count,
    ulong Address,
    ClrType DeclaringType,
    ClrField Field,
    bool IsStatic)
{
    public static Dictionary<string, CollectionFact> FindAll(SnapshotFacts facts, CancellationToken cancellation)
    {
        ClrHeap heap = facts.Snapshot.Heap;
        var found = new Dictionary<string, CollectionFact>(StringComparer.Ordinal);
        foreach (StaticValue value in facts.Statics(cancellation))
        {
            cancellation.ThrowIfCancellationRequested();
            ClrObject obj = heap.GetObject(facts.Snapshot.Index.Addresses[value.Object]);
            if (obj.Type is null) continue;
            if (CollectionCounts.Of(obj) is long count)
            {
                found[value.Name] = new CollectionFact(value.Name, obj.Type.Name ?? "?", count, obj.Address, value.DeclaringType, value.Field, true);
                continue;
            }
            if (obj.Type.IsArray || obj.Type.IsString) continue;
            // One level down: a cache or registry object whose collection lives in one of its fields.
            foreach (ClrInstanceField field in obj.Type.Fields)
            {
                if (!field.IsObjectReference) continue;
                ClrObject inner = field.ReadObject(obj.Address, interior: false);
                if (inner.IsNull || inner.Type is null || CollectionCounts.Of(inner) is not long innerCount) continue;
                string name = $"{value.Name}.{field.Name}";
                found[name] = new CollectionFact(name, inner.Type.Name ?? "?", innerCount, inner.Address, field.ContainingType ?? obj.Type, field, false);
            }
        }
        return found;
    }
}
