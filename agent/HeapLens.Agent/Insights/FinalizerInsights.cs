// finalizers: objects registered for finalization by type, the queue of objects whose finalizer is due (the
// f-reachable queue: garbage kept alive until the finalizer thread gets to it), what the finalizer thread is
// doing, and empty finalizers. ClrMD lists registered objects with the due ones among them; "registered" here
// means not yet due.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class FinalizerInsights
{
    private const int TypesNamed = 5;
    private const int FramesLooked = 40;

    /// <summary>Frames of methods that wait: a finalizer stopped in one of them may never return.</summary>
    private static readonly string[] WaitMethods =
    {
        "System.Threading.Monitor.Wait", "System.Threading.Monitor.Enter", "System.Threading.Monitor.ReliableEnter",
        "System.Threading.Thread.Sleep", "System.Threading.Thread.Join", "System.Threading.WaitHandle.WaitOne",
        "System.Threading.WaitHandle.WaitOneNoCheck", "System.Threading.WaitHandle.WaitAny", "System.Threading.WaitHandle.WaitAll",
        "System.Threading.ManualResetEventSlim.Wait", "System.Threading.SemaphoreSlim.Wait", "System.Threading.Tasks.Task.Wait",
        "System.Threading.Tasks.Task.InternalWait", "System.Threading.Tasks.Task.SpinThenBlockingWait", "System.Threading.Lock.Enter",
    };

    public static IEnumerable<Insight> Find(SnapshotFacts facts, CancellationToken cancellation)
    {
        ClrHeap heap = facts.Snapshot.Heap;
        HeapIndex index = facts.Snapshot.Index;
        var due = new HashSet<ulong>();
        var dueByType = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (ClrRoot root in heap.EnumerateFinalizerRoots())
        {
            if (!due.Add(root.Object.Address)) continue;
            string name = root.Object.Type?.Name ?? "?";
            dueByType[name] = dueByType.GetValueOrDefault(name) + 1;
        }
        var registeredByType = new Dictionary<string, (long Count, ClrType Type)>(StringComparer.Ordinal);
        long registered = 0;
        foreach (ClrObject obj in heap.EnumerateFinalizableObjects())
        {
            if ((registered & 0xffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (due.Contains(obj.Address) || obj.Type is null) continue;
            registered++;
            string name = obj.Type.Name ?? "?";
            var (count, _) = registeredByType.GetValueOrDefault(name);
            registeredByType[name] = (count + 1, obj.Type);
        }

        foreach (Insight insight in EmptyFinalizers(facts, registeredByType, dueByType)) yield return insight;
        if (QueueInsight(facts, due.Count, dueByType, registered) is Insight queue) yield return queue;
        if (registered >= InsightThresholds.FinalizableInfoAt) yield return Registered(registered, registeredByType, index);
    }

    private static IEnumerable<Insight> EmptyFinalizers(SnapshotFacts facts, Dictionary<string, (long Count, ClrType Type)> registered, Dictionary<string, long> due)
    {
        IDataReader memory = facts.Snapshot.Runtime.DataTarget.DataReader;
        foreach (var (name, (count, type)) in registered.OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            ClrMethod? finalize = FinalizerBodies.FinalizeOf(type);
            // The framework's own finalizers (WeakReference<T>'s body is empty IL the runtime handles itself) are not the program's to fix.
            if (finalize is null || FinalizerBodies.IsFramework(finalize)) continue;
            var (empty, ilBytes) = FinalizerBodies.Judge(finalize, memory);
            if (empty != true) continue;
            long objects = count + due.GetValueOrDefault(name);
            string declaring = finalize.Type?.Name ?? name;
            string title = $"{Wording.Count(objects, "object")} of {Wording.ShortType(name)} have an empty finalizer";
            string detail =
                $"{declaring}.Finalize does nothing ({Wording.Count(ilBytes)} bytes of IL: an empty body and the call to the base "
                + $"finalizer), yet each of the {Wording.Count(objects)} {name} objects pays for having one: it is registered for "
                + "finalization when allocated, survives the collection that finds it dead so that the finalizer thread can run the "
                + "empty method, and is promoted a generation on the way (a \"midlife crisis\": short-lived objects end up collected "
                + "only by the costlier gen1 or gen2 collections). Delete the empty finalizer; if the type needs one for unmanaged "
                + "resources, call GC.SuppressFinalize(this) in Dispose.";
            var figures = new Figures()
                .Add("type", name)
                .Add("objects", objects)
                .Add("finalizerILBytes", ilBytes);
            var location = FieldInitializers.FirstLine(finalize, facts.Snapshot.Sources);
            yield return new Insight(
                InsightKind.Finalizers,
                objects >= InsightThresholds.TrivialFinalizerWarnObjects ? Severity.Warning : Severity.Info,
                title,
                detail,
                figures.Build(),
                location is null ? Array.Empty<InsightLocation>() : new[] { location },
                new[] { name });
        }
    }

    private static Insight? QueueInsight(SnapshotFacts facts, long dueCount, Dictionary<string, long> dueByType, long registered)
    {
        ClrThread? finalizer = facts.Snapshot.Runtime.Threads.FirstOrDefault(t => t.IsFinalizer && t.IsAlive);
        List<ClrStackFrame> frames = finalizer?.EnumerateStackTrace(includeContext: false).Take(FramesLooked).ToList() ?? new List<ClrStackFrame>();
        int finalizeFrame = frames.FindIndex(f => f.Method?.Name == "Finalize" && f.Method.Type?.Name != "System.Object");
        ClrStackFrame? inFinalizer = finalizeFrame >= 0 ? frames[finalizeFrame] : null;
        string? waitingIn = inFinalizer is null ? null : frames.Take(finalizeFrame).Select(f => f.Method is null ? null : MethodNames.Of(f.Method)).FirstOrDefault(m => m is not null && WaitMethods.Contains(m));
        if (dueCount == 0 && inFinalizer is null) return null;

        bool stuck = inFinalizer is not null && waitingIn is not null;
        bool warning = (stuck && dueCount > 0) || dueCount >= InsightThresholds.FinalizerBacklogWarn;
        string running = inFinalizer is null ? "" : MethodNames.Of(inFinalizer.Method);
        string byType = string.Join(", ", dueByType.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(TypesNamed).Select(p => $"{p.Key} ({Wording.Count(p.Value)})"));
        string title = stuck
            ? $"The finalizer thread waits inside {running}; {Wording.Count(dueCount, "object")} wait to be finalized"
            : $"{Wording.Count(dueCount, "object")} wait to be finalized" + (inFinalizer is null ? "" : $" while the finalizer thread runs {running}");
        string detail =
            $"{Wording.Count(dueCount, "object")} are dead but kept alive until the finalizer thread runs their finalizers"
            + (byType.Length > 0 ? $": {byType}" : "") + ". "
            + (stuck
                ? $"The one finalizer thread was inside {running}, waiting in {waitingIn}, when the dump was taken: while it waits, no other "
                  + "finalizer runs and everything those objects refer to stays in memory. A finalizer must never wait for a lock, an "
                  + "event, another thread or I/O: release unmanaged resources only, and use Dispose for the rest. "
                : inFinalizer is not null
                    ? $"The finalizer thread was running {running} when the dump was taken. "
                    : "")
            + (dueCount >= InsightThresholds.FinalizerBacklogWarn && !stuck
                ? "A long queue means objects with finalizers are made faster than the finalizer thread finishes them: dispose them "
                  + "(Dispose calls GC.SuppressFinalize) instead of leaving them to the finalizer."
                : "");
        var figures = new Figures()
            .Add("readyForFinalization", dueCount)
            .Add("registered", registered);
        if (inFinalizer is not null) figures.Add("finalizerRunning", running);
        if (waitingIn is not null) figures.Add("finalizerWaitingIn", waitingIn);
        var locations = new List<InsightLocation>();
        if (inFinalizer is not null && facts.Snapshot.Sources.Find(inFinalizer.Method, inFinalizer.InstructionPointer, isLeaf: finalizeFrame == 0) is SourceLine line)
            locations.Add(new InsightLocation(line.File, line.Line));
        return new Insight(
            InsightKind.Finalizers,
            warning ? Severity.Warning : Severity.Info,
            title,
            detail.TrimEnd(),
            figures.Build(),
            locations,
            dueByType.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(TypesNamed).Select(p => p.Key).ToList());
    }

    private static Insight Registered(long registered, Dictionary<string, (long Count, ClrType Type)> byType, HeapIndex index)
    {
        var top = byType.OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key, StringComparer.Ordinal).Take(TypesNamed).ToList();
        string list = string.Join(", ", top.Select(p => $"{p.Key} ({Wording.Count(p.Value.Count)})"));
        return new Insight(
            InsightKind.Finalizers,
            Severity.Info,
            $"{Wording.Count(registered, "object")} with a finalizer are registered for finalization",
            $"Objects whose type has a finalizer are registered when allocated and cost the GC extra work when they die (they "
            + $"survive one more collection). Most registered: {list}. Dispose such objects (Dispose calls GC.SuppressFinalize) "
            + "so their finalizers never need to run.",
            new Figures().Add("registered", registered).Add("types", byType.Count).Build(),
            Array.Empty<InsightLocation>(),
            top.Select(p => p.Key).ToList());
    }
}
