// A snapshot's index and its live marks, at open: from the index cache beside the dump when its header and summary
// can be trusted (IndexCache; the per-object sections are read on first need), else built (the heap walk, then the
// roots and what they reach). The marks travel with the index because gathering the roots (every thread's stack) and
// marking from them is a large part of an open, and a reopen must count exactly the live and unreachable objects the
// first open counted. Nothing is written here: the snapshot keeps its index beside the dump later, off the open's
// critical path (Snapshot.KeepInCacheSoon and CloseAsync).
using System.Diagnostics;
using HeapLens.Agent.Index;
using HeapLens.Agent.Live;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public static class SnapshotIndexOpener
{
    /// <summary>The index and live marks of an open; <see cref="Cache"/> is the file they come from, when they do.</summary>
    public sealed record Opened(HeapIndex Index, LiveObjects Live, CachedIndex? Cache);

    public static Opened Open(ClrRuntime runtime, string dumpPath, RequestContext context)
    {
        var clock = Stopwatch.StartNew();
        int pointerSize = runtime.DataTarget.DataReader.PointerSize;
        long dumpBytes = new FileInfo(dumpPath).Length;
        (ulong Start, ulong End)[] ranges = HeapIndexBuilder.ObjectRanges(runtime.Heap);
        // Before anything is allocated for them, cache or not.
        HeapIndexBuilder.CheckRanges(ranges, pointerSize, dumpBytes);
        context.Progress("Reading the index kept beside the dump", 0);
        CachedIndex? cached = IndexCache.TryOpen(dumpPath, ranges, pointerSize, context.Cancellation);
        if (cached is not null)
        {
            IndexCache.Summary summary = cached.Summary;
            var index = new HeapIndex(summary.Count, summary.Types, summary.Heaps, summary.IsServer, summary.MemoryBytes, () => cached.Load(CancellationToken.None).Columns);
            IndexCache.LiveSummary s = summary.Live;
            var live = LiveObjects.FromSummary(s.Totals, s.Count, s.Bytes, s.UnreachableCount, s.UnreachableBytes, () => cached.Load(CancellationToken.None).Live);
            Log.Info($"Read the summary of the index of {summary.Count:N0} objects{(cached.HasRetention ? " with retained sizes" : "")} from {cached.Path} in {clock.ElapsedMilliseconds} ms; the per-object sections are read on first need.");
            return new Opened(index, live, cached);
        }
        (HeapIndex built, LiveObjects marked) = Build(runtime, dumpPath, context);
        return new Opened(built, marked, null);
    }

    /// <summary>The index and live marks from the dump itself (a first open, or a cache found damaged at first need).</summary>
    public static (HeapIndex Index, LiveObjects Live) Build(ClrRuntime runtime, string dumpPath, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        var clock = Stopwatch.StartNew();
        HeapIndex index = HeapIndexBuilder.Build(runtime, context, new FileInfo(dumpPath).Length);
        CheckNotEmpty(index, dumpPath);
        context.Progress("Finding the live objects", 99);
        long marking = clock.ElapsedMilliseconds;
        int[] roots = LiveRoots.Find(runtime, index, cancellation);
        long rootsMs = clock.ElapsedMilliseconds - marking;
        LiveObjects live = LiveObjects.Mark(index, roots, cancellation);
        Log.Info($"Marked {live.Count:N0} live objects from {roots.Length:N0} roots: roots {rootsMs} ms, marking {clock.ElapsedMilliseconds - marking - rootsMs} ms; {PrivateMemory.Describe()}.");
        // A cancel that came in while marking still wins: nothing is registered.
        cancellation.ThrowIfCancellationRequested();
        return (index, live);
    }

    private static void CheckNotEmpty(HeapIndex index, string dumpPath)
    {
        if (index.Count == 0)
            throw DumpFileCheck.Unreadable($"The dump {dumpPath} holds no heap objects (it was captured without the GC heap): capture it again with the heap (kind withHeap or full).");
    }
}
