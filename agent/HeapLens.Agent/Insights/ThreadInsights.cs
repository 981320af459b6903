// threads: how many threads the process has and what their stacks cost, threads blocked for ever by a join that
// can never return (a thread joining itself, or threads joining each other in a cycle), and many threads waiting
// at the same line of code. A join is read from the stack: a Thread.Join frame and the Thread object that the
// frame's stack roots hold (Thread._DONT_USE_InternalThread is the native thread it stands for). Waits on locks or
// events that nobody will signal cannot be told from ordinary waits in a dump, so they are not called "for ever".
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class ThreadInsights
{
    private const int FramesRead = 200;
    private const int JoinDepth = 12;

    private sealed record ThreadState(ClrThread Thread, List<ClrStackFrame> Frames, long Mapped, long Used, ulong RegionStart);

    public static IEnumerable<Insight> Find(SnapshotFacts facts, CancellationToken cancellation)
    {
        ClrRuntime runtime = facts.Snapshot.Runtime;
        DumpRegions regions = DumpRegions.Read(facts.Snapshot.Path);
        var threads = new List<ThreadState>();
        foreach (ClrThread thread in runtime.Threads)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!thread.IsAlive) continue;
            List<ClrStackFrame> frames = thread.EnumerateStackTrace(includeContext: false).Take(FramesRead).ToList();
            ulong sp = frames.Select(f => f.StackPointer).FirstOrDefault(p => p != 0);
            long mapped = 0;
            long used = 0;
            ulong regionStart = 0;
            if (sp != 0 && regions.Containing(sp) is var (start, end))
            {
                mapped = (long)(end - start);
                used = (long)(end - sp);
                regionStart = start;
            }
            threads.Add(new ThreadState(thread, frames, mapped, used, regionStart));
        }

        var blocked = new HashSet<ClrThread>();
        foreach (Insight insight in JoinCycles(facts, threads, blocked)) yield return insight;
        foreach (Insight insight in WaitingTogether(facts, threads, blocked)) yield return insight;
        yield return Summary(threads, regions.IsEmpty);
    }

    private static IEnumerable<Insight> JoinCycles(SnapshotFacts facts, List<ThreadState> threads, HashSet<ClrThread> blocked)
    {
        var byNative = threads.ToDictionary(t => t.Thread.Address);
        var joins = new Dictionary<ClrThread, ClrThread>();
        foreach (ThreadState state in threads)
        {
            if (!state.Frames.Take(JoinDepth).Any(IsJoin)) continue;
            ulong joined = JoinedThread(state.Thread);
            if (joined != 0 && byNative.TryGetValue(joined, out ThreadState? target)) joins[state.Thread] = target.Thread;
        }

        var reported = new HashSet<ClrThread>();
        foreach (ClrThread start in joins.Keys.OrderBy(t => t.ManagedThreadId))
        {
            if (reported.Contains(start)) continue;
            var path = new List<ClrThread> { start };
            ClrThread current = start;
            while (joins.TryGetValue(current, out ClrThread? next) && !path.Contains(next))
            {
                path.Add(next);
                current = next;
            }
            if (!joins.TryGetValue(current, out ClrThread? last) || last != start) continue;
            foreach (ClrThread t in path)
            {
                reported.Add(t);
                blocked.Add(t);
            }
            yield return DescribeCycle(facts, path, threads);
        }
    }

    private static Insight DescribeCycle(SnapshotFacts facts, List<ClrThread> cycle, List<ThreadState> threads)
    {
        string ids = string.Join(" → ", cycle.Append(cycle[0]).Select(t => t.ManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var locations = new List<InsightLocation>();
        var methods = new List<string>();
        foreach (ClrThread thread in cycle)
        {
            ThreadState state = threads.First(s => s.Thread == thread);
            int depth = Math.Min(JoinDepth, state.Frames.Count);
            int join = depth == 0 ? -1 : state.Frames.FindLastIndex(depth - 1, depth, IsJoin);
            ClrStackFrame? caller = state.Frames.Skip(join + 1).FirstOrDefault(f => f.Kind == ClrStackFrameKind.ManagedMethod && f.Method is not null);
            if (caller is null) continue;
            methods.Add(MethodNames.Of(caller.Method));
            if (facts.Snapshot.Sources.Find(caller.Method, caller.InstructionPointer, isLeaf: false) is SourceLine line) locations.Add(new InsightLocation(line.File, line.Line));
        }
        bool self = cycle.Count == 1;
        string title = self
            ? $"Thread {cycle[0].ManagedThreadId} joins itself and waits for ever"
            : $"Threads {string.Join(", ", cycle.Select(t => t.ManagedThreadId))} join each other and wait for ever";
        string detail = (self
                ? $"Thread {cycle[0].ManagedThreadId} called Join on its own Thread object{(methods.Count > 0 ? $" (in {methods[0]})" : "")}: Join returns when the thread ends, and this thread cannot end while it waits. "
                : $"Each of these threads waits in Join for the next one to end ({ids}), so none of them ever does. ")
            + "Its stack, and every object its frames refer to, stays for the life of the process. Join only other threads, and never in a "
            + "cycle; to wait for work a thread does itself, just call it, and to let a thread stop, signal it (a CancellationToken) and return.";
        ThreadState first = threads.First(s => s.Thread == cycle[0]);
        var figures = new Figures()
            .Add("threads", cycle.Count)
            .Add("threadIds", ids)
            .Add("method", methods.FirstOrDefault() ?? "")
            .Add("stackMappedBytes", cycle.Sum(t => threads.First(s => s.Thread == t).Mapped));
        return new Insight(InsightKind.Threads, Severity.Warning, title, detail, figures.Build(), locations.Distinct().ToList(), new[] { "System.Threading.Thread" },
            first.Thread.Address == 0 ? null : new[] { Json.Hex(first.Thread.Address) });
    }

    private static IEnumerable<Insight> WaitingTogether(SnapshotFacts facts, List<ThreadState> threads, HashSet<ClrThread> blocked)
    {
        var groups = new Dictionary<(string Method, string? File, int Line), List<ThreadState>>();
        foreach (ThreadState state in threads)
        {
            if (blocked.Contains(state.Thread)) continue;
            int index = state.Frames.FindIndex(f => f.Kind == ClrStackFrameKind.ManagedMethod && f.Method is not null && IsUserCode(f.Method));
            if (index < 0) continue;
            ClrStackFrame frame = state.Frames[index];
            SourceLine? line = facts.Snapshot.Sources.Find(frame.Method, frame.InstructionPointer, isLeaf: index == 0);
            var key = (MethodNames.Of(frame.Method), line?.File, line?.Line ?? 0);
            if (!groups.TryGetValue(key, out List<ThreadState>? list)) groups[key] = list = new List<ThreadState>();
            list.Add(state);
        }
        foreach (var ((method, file, line), members) in groups.Where(g => g.Value.Count >= InsightThresholds.ThreadGroupMin).OrderByDescending(g => g.Value.Count))
        {
            long mapped = members.Sum(m => m.Mapped);
            long used = members.Sum(m => m.Used);
            string at = file is null ? method : $"{method} ({Path.GetFileName(file)}:{line})";
            string title = $"{Wording.Count(members.Count, "thread")} wait at the same line: {at}";
            string detail =
                $"{Wording.Count(members.Count, "thread")} have {method} as their innermost frame of the program's own code"
                + (file is null ? "" : $", at line {line} of {Path.GetFileName(file)}")
                + $". Their stacks reserve {Wording.Bytes(mapped)} of address space ({Wording.Bytes(used)} in use). Many threads parked in one place "
                + "usually mean one thread per request, connection or job that waits instead of returning: each costs a stack and keeps "
                + "everything its frames refer to. Prefer async waits (await, SemaphoreSlim.WaitAsync) or a bounded worker pool, and make "
                + "sure what they wait for is eventually signalled.";
            var figures = new Figures()
                .Add("threads", members.Count)
                .Add("method", method)
                .Add("stackMappedBytes", mapped)
                .Add("stackUsedBytes", used);
            yield return new Insight(
                InsightKind.Threads,
                members.Count >= InsightThresholds.ThreadGroupWarn ? Severity.Warning : Severity.Info,
                title,
                detail,
                figures.Build(),
                file is null ? Array.Empty<InsightLocation>() : new[] { new InsightLocation(file, line) });
        }
    }

    private static Insight Summary(List<ThreadState> threads, bool noRegions)
    {
        var distinct = threads.Where(t => t.RegionStart != 0).GroupBy(t => t.RegionStart).Select(g => g.First()).ToList();
        long mapped = distinct.Sum(t => t.Mapped);
        long used = threads.Sum(t => t.Used);
        int measured = threads.Count(t => t.RegionStart != 0);
        bool many = threads.Count >= InsightThresholds.ThreadWarnCount;
        string title = $"{Wording.Count(threads.Count, "thread")}, whose stacks reserve {Wording.Bytes(mapped)}";
        string detail =
            $"The process has {Wording.Count(threads.Count, "managed thread")}. "
            + (noRegions
                ? "The dump does not say how large their stacks are. "
                : $"The stacks of {Wording.Count(measured)} of them reserve {Wording.Bytes(mapped)} of address space, of which {Wording.Bytes(used)} is in use; only pages a stack has touched take memory. ")
            + "On Linux a thread's stack is as large as `ulimit -s` (often 8 MB) unless the program asks for another size "
            + "(new Thread(start, maxStackSize), or DOTNET_DefaultStackSize)."
            + (many ? " That many threads usually means threads are created per task and never end: use the thread pool and async code." : "");
        var figures = new Figures()
            .Add("threads", threads.Count)
            .Add("stackMappedBytes", mapped)
            .Add("stackUsedBytes", used)
            .Add("stacksMeasured", measured);
        return new Insight(InsightKind.Threads, many ? Severity.Warning : Severity.Info, title, detail, figures.Build(), Array.Empty<InsightLocation>());
    }

    private static bool IsJoin(ClrStackFrame frame) => frame.Method is { Name: "Join" } method && method.Type?.Name == "System.Threading.Thread";

    /// <summary>The native thread (Thread*) behind the Thread object a Join frame holds, or 0.</summary>
    private static ulong JoinedThread(ClrThread thread)
    {
        var candidates = new HashSet<ulong>();
        foreach (ClrStackRoot root in thread.EnumerateStackRoots())
        {
            if (root.StackFrame is not { } frame || !IsJoin(frame)) continue;
            ClrObject obj = root.Object;
            if (obj.Type?.Name != "System.Threading.Thread") continue;
            if (obj.TryReadField("_DONT_USE_InternalThread", out nint native) && native != 0) candidates.Add((ulong)native);
        }
        return candidates.Count == 1 ? candidates.First() : 0;
    }

    private static bool IsUserCode(ClrMethod method)
    {
        string? type = method.Type?.Name;
        return type is not null && !type.StartsWith("System.", StringComparison.Ordinal) && !type.StartsWith("Microsoft.", StringComparison.Ordinal)
            && !type.StartsWith("Interop", StringComparison.Ordinal) && !type.StartsWith("Internal.", StringComparison.Ordinal);
    }
}
