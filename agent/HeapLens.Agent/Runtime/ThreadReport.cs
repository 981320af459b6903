// runtime/threads: the managed threads of a snapshot with their stacks, names and the exception each is throwing,
// for the debug adapter's Threads / Call Stack views.
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Runtime;

public static class ThreadReport
{
    private const int MaxFrames = 1000;
    private static readonly HashSet<string> EntryPointNames = new(StringComparer.Ordinal) { "Main", "<Main>$", "<Main>" };

    public static Threads Build(Snapshot snapshot, CancellationToken cancellation)
    {
        Dictionary<ulong, string> namesByNativeThread = ThreadNames(snapshot, out Dictionary<int, string> namesByManagedId);
        var alive = snapshot.Runtime.Threads.Where(t => t.IsAlive).ToList();
        var stacks = new Dictionary<ClrThread, List<ClrStackFrame>>();
        foreach (ClrThread thread in alive)
        {
            cancellation.ThrowIfCancellationRequested();
            stacks[thread] = thread.EnumerateStackTrace(includeContext: false).Take(MaxFrames).ToList();
        }
        ClrThread? main = FindMain(alive, stacks);

        var result = new List<ThreadInfo>();
        foreach (ClrThread thread in alive.OrderBy(t => t.ManagedThreadId))
        {
            string? name = namesByNativeThread.GetValueOrDefault(thread.Address) ?? namesByManagedId.GetValueOrDefault(thread.ManagedThreadId);
            result.Add(new ThreadInfo(
                thread.ManagedThreadId,
                thread.OSThreadId,
                name,
                thread.IsFinalizer,
                ReferenceEquals(thread, main),
                ExceptionOf(thread, snapshot.Sources),
                Frames(stacks[thread], snapshot.Sources, firstIsLeaf: true)));
        }
        return new Threads(result);
    }

    public static List<StackFrameInfo> Frames(IEnumerable<ClrStackFrame> frames, SourceLocator sources, bool firstIsLeaf)
    {
        var result = new List<StackFrameInfo>();
        bool first = true;
        foreach (ClrStackFrame frame in frames)
        {
            bool managed = frame.Kind == ClrStackFrameKind.ManagedMethod && frame.Method is not null;
            SourceLine? line = managed ? sources.Find(frame.Method, frame.InstructionPointer, isLeaf: first && firstIsLeaf) : null;
            result.Add(new StackFrameInfo(
                MethodNames.Of(frame),
                Json.Hex(frame.InstructionPointer),
                line?.File,
                line?.Line,
                managed ? "managed" : "runtime"));
            first = false;
        }
        return result;
    }

    private static ExceptionInfo? ExceptionOf(ClrThread thread, SourceLocator sources)
    {
        ClrException? exception = thread.CurrentException;
        if (exception is null) return null;
        // Every IP in an exception's recorded trace is a call site (the throw helper call included): none is a leaf.
        return new ExceptionInfo(
            exception.Type?.Name ?? "System.Exception",
            exception.Message ?? "",
            Json.Hex(exception.Address),
            Frames(exception.StackTrace, sources, firstIsLeaf: false));
    }

    /// <summary>
    /// The thread that ran Main: the one whose outermost managed frame is the entry point (Main, or the compiler's
    /// &lt;Main&gt;$ / &lt;Main&gt; for top-level and async Main). When no stack shows it (Main has returned, or the
    /// stack could not be walked), the startup thread: CoreCLR runs Main on the process's first thread, the only
    /// managed thread that is neither background (thread pool, finalizer, timers) nor started by user code before
    /// it; among the foreground threads it has the lowest managed id.
    /// </summary>
    private static ClrThread? FindMain(List<ClrThread> threads, Dictionary<ClrThread, List<ClrStackFrame>> stacks)
    {
        foreach (ClrThread thread in threads)
        {
            ClrStackFrame? outermost = stacks[thread].LastOrDefault(f => f.Kind == ClrStackFrameKind.ManagedMethod && f.Method is not null);
            if (outermost?.Method?.Name is string name && EntryPointNames.Contains(name)) return thread;
        }
        return threads
            .Where(t => !t.IsFinalizer && !t.IsGc && (t.State & ClrThreadState.TS_Background) == 0)
            .OrderBy(t => t.ManagedThreadId)
            .FirstOrDefault();
    }

    /// <summary>Names from the managed Thread objects (Thread._name), keyed by the native thread they belong to.</summary>
    private static Dictionary<ulong, string> ThreadNames(Snapshot snapshot, out Dictionary<int, string> byManagedId)
    {
        var byNative = new Dictionary<ulong, string>();
        byManagedId = new Dictionary<int, string>();
        int[] types = snapshot.Index.Types.Named("System.Threading.Thread");
        if (types.Length == 0) return byNative;
        foreach (int i in snapshot.Index.InstancesOf(types, 0, int.MaxValue, CancellationToken.None))
        {
            ClrObject thread = snapshot.Heap.GetObject(snapshot.Index.Addresses[i]);
            if (!thread.TryReadStringField("_name", null, out string? name) || string.IsNullOrEmpty(name)) continue;
            if (thread.TryReadField("_DONT_USE_InternalThread", out nint native) && native != 0) byNative[(ulong)native] = name;
            if (thread.TryReadField("_managedThreadId", out int managedId)) byManagedId[managedId] = name;
        }
        return byNative;
    }
}
