// Every initialized static reference field of a snapshot that holds a heap object, per app domain: the one walk
// that both the root catalog (static roots) and the insights (static collections and events) start from; and the
// values of [ThreadStatic] fields per live thread, which are roots too.
using HeapLens.Agent.Index;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public readonly record struct StaticReference(string Name, ClrType DeclaringType, ClrStaticField Field, ClrAppDomain Domain, int Target);

/// <summary>The value of a [ThreadStatic] reference field on one live thread (ThreadId: its managed thread id).</summary>
public readonly record struct ThreadStaticReference(string Name, int ThreadId, int Target);

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

    /// <summary>
    /// "Ns.Type.field" of every [ThreadStatic] reference field, per live thread, with the object it holds there. The GC
    /// keeps these alive for as long as the thread lives, yet they sit in per-thread storage that neither the handle
    /// table nor the stack roots show (seen: a thread pool's per-thread queues counted as unreachable).
    /// </summary>
    public static IEnumerable<ThreadStaticReference> EnumerateThreadStatics(ClrRuntime runtime, HeapIndex index, CancellationToken cancellation)
    {
        ClrThread[] threads = runtime.Threads.Where(t => t.IsAlive).ToArray();
        foreach (ClrModule module in runtime.EnumerateModules())
        {
            foreach (ClrType type in module.EnumerateTypesWithStaticFields())
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (ClrThreadStaticField field in type.ThreadStaticFields)
                {
                    if (!field.IsObjectReference) continue;
                    foreach (ClrThread thread in threads)
                    {
                        ulong value = field.ReadObject(thread).Address;
                        int target = value == 0 ? -1 : index.IndexOf(value);
                        if (target >= 0) yield return new ThreadStaticReference($"{type.Name}.{field.Name}", thread.ManagedThreadId, target);
                    }
                }
            }
        }
    }
}
