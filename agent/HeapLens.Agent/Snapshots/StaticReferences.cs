// Every initialized static reference field of a snapshot that holds a heap object, per app domain: the one walk
// that both the root catalog (static roots) and the insights (static collections and events) start from.
using HeapLens.Agent.Index;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public readonly record struct StaticReference(string Name, ClrType DeclaringType, ClrStaticField Field, ClrAppDomain Domain, int Target);

public static class StaticReferences
{
    /// <summary>"Ns.Type.field" and the object number it holds; null statics and values outside the heap are left out.</summary>
    public static IEnumerable<StaticReference> Enumerate(ClrRuntime runtime, HeapIndex index, CancellationToken cancellation)
    {
        foreach (ClrModule module in runtime.EnumerateModules())
        {
            foreach (ClrType type in module.EnumerateTypesWithStaticFields())
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (ClrStaticField field in type.StaticFields)
                {
                    if (!field.IsObjectReference) continue;
                    foreach (ClrAppDomain domain in runtime.AppDomains)
                    {
                        if (!field.IsInitialized(domain)) continue;
                        ulong value = field.ReadObject(domain).Address;
                        int target = value == 0 ? -1 : index.IndexOf(value);
                        if (target >= 0) yield return new StaticReference($"{type.Name}.{field.Name}", type, field, domain, target);
                    }
                }
            }
        }
    }
}
