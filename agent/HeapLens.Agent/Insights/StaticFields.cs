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
        foreach (ClrModule module in snapshot.Runtime.EnumerateModules())
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (ClrType type in module.EnumerateTypesWithStaticFields())
            {
                foreach (ClrStaticField field in type.StaticFields)
                {
                    if (!field.IsObjectReference) continue;
                    foreach (ClrAppDomain domain in snapshot.Runtime.AppDomains)
                    {
                        if (!field.IsInitialized(domain)) continue;
                        ulong value = field.ReadObject(domain).Address;
                        int obj = value == 0 ? -1 : index.IndexOf(value);
                        string name = $"{type.Name}.{field.Name}";
                        // One entry per name: a generic type's statics seen twice, or a second app domain, add nothing.
                        if (obj >= 0 && names.Add(name)) found.Add(new StaticValue(name, type, field, obj));
                    }
                }
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return found;
    }
}
