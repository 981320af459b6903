// A snapshot's index and its live marks, at open: read back from the index cache beside the dump when it can be
// trusted (IndexCache), else built (the heap walk, then the roots and what they reach) and kept there for the next
// open. The marks travel with the index because gathering the roots (every thread's stack) and marking from them is
// a large part of an open, and a reopen must count exactly the live and unreachable objects the first open counted.
using System.Diagnostics;
using HeapLens.Agent.Index;
using HeapLens.Agent.Live;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public static class SnapshotIndexOpener
{
    public static (HeapIndex Index, LiveObjects Live) Open(ClrRuntime runtime, string dumpPath, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        var clock = Stopwatch.StartNew();
        int pointerSize = runtime.DataTarget.DataReader.PointerSize;
        long dumpBytes = new FileInfo(dumpPath).Length;
        (ulong Start, ulong End)[] ranges = HeapIndexBuilder.ObjectRanges(runtime.Heap);
        // Before anything is allocated for them, cache or not.
        HeapIndexBuilder.CheckRanges(ranges, pointerSize, dumpBytes);
        context.Progress("Reading the index kept beside the dump", 0);
        IndexCache.Cached? cached = IndexCache.TryRead(dumpPath, ranges, pointerSize, cancellation);
        if (cached is not null)
        {
            CheckNotEmpty(cached.Index, dumpPath);
            long readMs = clock.ElapsedMilliseconds;
            LiveObjects restored = LiveObjects.Restore(cached.Index, cached.LiveRoots, cached.LiveBits, cancellation);
            Log.Info($"Read the index of {cached.Index.Count:N0} objects and their live marks from {IndexCache.PathFor(dumpPath)} in {clock.ElapsedMilliseconds} ms (live totals {clock.ElapsedMilliseconds - readMs} ms).");
            return (cached.Index, restored);
        }

        HeapIndex index = HeapIndexBuilder.Build(runtime, context, dumpBytes);
        CheckNotEmpty(index, dumpPath);
        context.Progress("Finding the live objects", 99);
        long marking = clock.ElapsedMilliseconds;
        int[] roots = LiveRoots.Find(runtime, index, cancellation);
        long rootsMs = clock.ElapsedMilliseconds - marking;
        LiveObjects live = LiveObjects.Mark(index, roots, cancellation);
        Log.Info($"Marked {live.Count:N0} live objects from {roots.Length:N0} roots: roots {rootsMs} ms, marking {clock.ElapsedMilliseconds - marking - rootsMs} ms; {PrivateMemory.Describe()}.");
        // A cancel that came in while marking still wins: nothing is written or registered.
        cancellation.ThrowIfCancellationRequested();
        long writing = clock.ElapsedMilliseconds;
        context.Progress("Keeping the index beside the dump", 99);
        IndexCache.Write(dumpPath, index, live.Roots, live.Bits);
        Log.Info($"Kept the index beside the dump in {clock.ElapsedMilliseconds - writing} ms.");
        return (index, live);
    }

    private static void CheckNotEmpty(HeapIndex index, string dumpPath)
    {
        if (index.Count == 0)
            throw DumpFileCheck.Unreadable($"The dump {dumpPath} holds no heap objects (it was captured without the GC heap): capture it again with the heap (kind withHeap or full).");
    }
}
