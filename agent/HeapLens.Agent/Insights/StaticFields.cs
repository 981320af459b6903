// The static reference fields of a snapshot that hold an object: "Ns.Type.field" → the object, read per app
// domain the way the root catalog names statics. Growing collections and static events start from here.
using HeapLens.Agent.Index;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public sealed record StaticValue(string Name, ClrType DeclaringType, ClrStaticField Field, int Object);

public static class StaticFields
{
    public static List<StaticValue> Read(Snapshot snapshot, CancellationToken cancellation)
    {
        HeapIndex index = snapshot.Index;
        var found = new List<StaticValue>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (StaticReference s in StaticReferences.Enumerate(snapshot.Runtime, index, cancellation))
        {
            // One entry per name: a generic type's statics seen twice, or a second app domain, add nothing.
            if (names.Add(s.Name)) found.Add(new StaticValue(s.Name, s.DeclaringType, s.Field, s.Target));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return found;
    }
}
