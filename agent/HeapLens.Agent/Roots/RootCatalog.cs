// The roots of a snapshot, by the object they hold: stack slots (with thread, method and source line), static
// fields, strong handles by kind, and the finalizer queue. Gathered once per snapshot, on the first retention-path
// question. Weak handles are not roots: they do not keep anything alive.
//
// Statics are not roots of their own in ClrMD: reference statics live in runtime-owned object[] arrays (on the
// pinned object heap in .NET 9+, held by a strong handle; pinned handles before). Each static field is read per app
// domain and the object it refers to is recorded as a static root named "Ns.Type.field"; the arrays that store the
// slots are recorded as holders, so a search never reports "handle → object[] → object" for what is a static.
// A [ThreadStatic] field's value on a live thread is a static root with that thread's id.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Runtime;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Roots;

/// <summary>Kinds of root in the order paths are reported: stack, static, handles (by kind), finalizer queue.</summary>
public enum RootCategory
{
    Stack,
    Static,
    StrongHandle,
    PinnedHandle,
    RefCountedHandle,
    AsyncPinnedHandle,
    SizedRefHandle,
    DependentHandle,
    OtherHandle,
    Finalizer,
    Other,
}

public sealed record RootEntry(RootCategory Category, RootDescription Description);

public sealed class RootCatalog
{
    private readonly Dictionary<int, List<RootEntry>> _byObject = new();
    private readonly HashSet<int> _staticHolders = new();
    private readonly HashSet<int> _staticTargets = new();
    private readonly HashSet<RootCategory> _categories = new();

    private RootCatalog()
    {
    }

    /// <summary>How many different categories of root the snapshot has (a search can stop once it found them all).</summary>
    public int CategoryCount => _categories.Count;

    /// <summary>The roots that hold this object directly, at most one per category.</summary>
    public IReadOnlyList<RootEntry> At(int obj) => _byObject.TryGetValue(obj, out List<RootEntry>? list) ? list : Array.Empty<RootEntry>();

    /// <summary>Every object a root holds directly, with its first root in category order (stack, static, handles, …).</summary>
    public IEnumerable<(int Object, RootEntry First)> Objects => _byObject.Select(p => (p.Key, p.Value.MinBy(e => e.Category)!));

    /// <summary>True when the edge parent → child is a static field slot, reported as a static root instead.</summary>
    public bool IsStaticSlot(int parent, int child) => _staticHolders.Contains(parent) && _staticTargets.Contains(child);

    /// <summary>Gathers the roots; cancellable between roots, because a big process has many stacks and statics.</summary>
    public static RootCatalog Build(Snapshot snapshot, CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var catalog = new RootCatalog();
        HeapIndex index = snapshot.Index;
        var leafStackPointers = new Dictionary<ClrThread, ulong>();

        // What ClrMD's heap.EnumerateRoots gives, in its order, but with the stacks of threads caught mid-throw left
        // out (see MidThrow).
        ClrRuntime runtime = snapshot.Runtime;
        foreach (ClrHandle handle in runtime.EnumerateHandles())
        {
            cancellation.ThrowIfCancellationRequested();
            if (handle.IsStrong && HandleEntry(handle) is RootEntry entry) catalog.Add(index.IndexOf(handle.Object.Address), entry);
            if (handle.HandleKind == ClrHandleKind.AsyncPinned) catalog.AddAsyncPinned(handle, snapshot);
        }
        foreach (ClrRoot root in snapshot.Heap.EnumerateFinalizerRoots())
            catalog.Add(index.IndexOf(root.Object.Address), new RootEntry(RootCategory.Finalizer, new RootDescription { Kind = "finalizer" }));
        foreach (ClrThread thread in runtime.Threads)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!thread.IsAlive) continue;
            if (MidThrow(thread))
            {
                Log.Warn($"Thread {thread.ManagedThreadId} of {snapshot.Id} was in the middle of throwing {thread.CurrentException?.Type?.Name} when the dump was written: " +
                    "its stack is left out of the roots (reading it crashes the runtime's debugging library).");
                continue;
            }
            foreach (ClrStackRoot root in thread.EnumerateStackRoots())
            {
                if (StackEntry(root, snapshot.Sources, leafStackPointers) is RootEntry entry) catalog.Add(index.IndexOf(root.Object.Address), entry);
            }
        }

        // Statics sorted by name, so an object held by several statics always reports the same one.
        var statics = new List<(string Name, int Target, int Holder)>();
        foreach (StaticReference s in StaticReferences.Enumerate(snapshot.Runtime, index, cancellation))
            statics.Add((s.Name, s.Target, index.IndexContaining(s.Field.GetAddress(s.Domain))));
        foreach (var (name, target, holder) in statics.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            catalog.Add(target, new RootEntry(RootCategory.Static, new RootDescription { Kind = "static", Field = name }));
            catalog._staticTargets.Add(target);
            if (holder >= 0) catalog._staticHolders.Add(holder);
        }

        // [ThreadStatic] fields after the statics (an object held by both is reported at its static), by name, then thread.
        var threadStatics = StaticReferences.EnumerateThreadStatics(snapshot.Runtime, index, cancellation)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ThenBy(t => t.ThreadId)
            .ToList();
        foreach (ThreadStaticReference t in threadStatics)
            catalog.Add(t.Target, new RootEntry(RootCategory.Static, new RootDescription { Kind = "static", Field = t.Name, Thread = t.ThreadId }));

        Log.Info($"Roots of {snapshot.Id}: {catalog._byObject.Count:N0} rooted objects, {statics.Count:N0} statics, {catalog._categories.Count} kinds, {clock.ElapsedMilliseconds} ms.");
        return catalog;
    }

    private void Add(int obj, RootEntry entry)
    {
        if (obj < 0) return;
        if (!_byObject.TryGetValue(obj, out List<RootEntry>? list)) _byObject[obj] = list = new List<RootEntry>(1);
        // The first root of a category wins: roots come in a stable order (threads, then frames from the top).
        if (list.Exists(e => e.Category == entry.Category)) return;
        list.Add(entry);
        _categories.Add(entry.Category);
    }

    /// <summary>
    /// A thread whose exception is still being dispatched: the top of its stack is the runtime's exception frame.
    /// That is the crashing thread of a dump the runtime writes as it dies of an unhandled exception, and walking
    /// its stack roots there crashes this process in native code (ClrMD 4.1 with the .NET 10.0.12 DAC), which no
    /// catch can stop. A thread inside a catch block runs the handler on top of that frame, so it is not caught here.
    /// </summary>
    public static bool MidThrow(ClrThread thread)
    {
        if (thread.CurrentException is null) return false;
        ClrStackFrame? top = thread.EnumerateStackTrace(includeContext: false).FirstOrDefault();
        return top is { Kind: ClrStackFrameKind.Runtime, FrameName: "SoftwareExceptionFrame" or "FaultingExceptionFrame" };
    }

    /// <summary>An async-pinned handle pins its overlapped's user object and, for an array of references, each element.</summary>
    private void AddAsyncPinned(ClrHandle handle, Snapshot snapshot)
    {
        var entry = new RootEntry(RootCategory.AsyncPinnedHandle, new RootDescription { Kind = "handle", HandleKind = "asyncpinned" });
        foreach (ulong address in AsyncPinnedObjects(handle, snapshot.Runtime)) Add(snapshot.Index.IndexOf(address), entry);
    }

    /// <summary>The objects an async-pinned handle pins besides its overlapped: the user object (m_userObject) and,
    /// when that is an array of references, each of its elements. LiveRoots counts them as roots too, so the
    /// dominator tree (built from LiveRoots) hangs them from the top, as the roots a path names.</summary>
    public static IEnumerable<ulong> AsyncPinnedObjects(ClrHandle handle, ClrRuntime runtime)
    {
        ClrObject overlapped = handle.Object;
        if (!overlapped.IsValid || overlapped.Type?.GetFieldByName("m_userObject") is not ClrInstanceField field || field.Offset <= 0) yield break;
        ClrObject user = runtime.Heap.GetObject(runtime.DataTarget.DataReader.ReadPointer(field.GetAddress(overlapped.Address)));
        if (!user.IsValid) yield break;
        yield return user.Address;
        if (user.IsArray && user.Type?.ComponentType?.IsObjectReference == true)
        {
            ClrArray array = user.AsArray();
            for (int i = 0; i < array.Length; i++)
            {
                ClrObject element = array.GetObjectValue(i);
                if (element.IsValid) yield return element.Address;
            }
        }
    }

    private static RootEntry? StackEntry(ClrStackRoot root, SourceLocator sources, Dictionary<ClrThread, ulong> leafStackPointers)
    {
        ClrStackFrame? frame = root.StackFrame;
        ClrThread? thread = frame?.Thread;
        SourceLine? line = null;
        if (frame?.Method is not null)
        {
            bool isLeaf = false;
            if (thread is not null)
            {
                if (!leafStackPointers.TryGetValue(thread, out ulong leafSp))
                    leafStackPointers[thread] = leafSp = thread.EnumerateStackTrace(false).FirstOrDefault()?.StackPointer ?? 0;
                isLeaf = leafSp != 0 && leafSp == frame.StackPointer;
            }
            line = sources.Find(frame.Method, frame.InstructionPointer, isLeaf);
        }
        return new RootEntry(RootCategory.Stack, new RootDescription
        {
            Kind = "stack",
            Thread = thread?.ManagedThreadId,
            Method = frame is null ? "[unknown frame]" : MethodNames.Of(frame),
            File = line?.File,
            Line = line?.Line,
        });
    }

    private static RootEntry? HandleEntry(ClrHandle handle)
    {
        (RootCategory category, string kind) = handle.HandleKind switch
        {
            ClrHandleKind.Strong => (RootCategory.StrongHandle, "strong"),
            ClrHandleKind.Pinned => (RootCategory.PinnedHandle, "pinned"),
            ClrHandleKind.RefCounted => (RootCategory.RefCountedHandle, "refcounted"),
            ClrHandleKind.AsyncPinned => (RootCategory.AsyncPinnedHandle, "asyncpinned"),
            ClrHandleKind.SizedRef => (RootCategory.SizedRefHandle, "sizedref"),
            ClrHandleKind.Dependent => (RootCategory.DependentHandle, "dependent"),
            ClrHandleKind.WeakShort or ClrHandleKind.WeakLong or ClrHandleKind.WeakWinRT => (RootCategory.Other, "weak"),
            _ => (RootCategory.OtherHandle, "other"),
        };
        // Weak handles do not keep their object alive; a refcounted handle does only while its count is above zero.
        if (kind == "weak" || !handle.IsStrong) return null;
        return new RootEntry(category, new RootDescription { Kind = "handle", HandleKind = kind });
    }
}
