// What a snapshot knows about retention once asked: the dominator tree with every live object's retained size, the
// retained size of every heap type, and (on first need) the shortest-path tree that names each object's root. Built
// lazily, under the snapshot's gate, with progress and cancellation; a cancelled build leaves nothing behind.
using System.Diagnostics;
using HeapLens.Agent.Index;
using HeapLens.Agent.Live;
using HeapLens.Agent.Roots;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Retention;

public sealed class SnapshotRetention
{
    private readonly Snapshot _snapshot;
    private readonly int[] _seeds;
    private readonly long[] _typeRetained;
    private readonly ulong[] _nested;
    private ShortestPathTree? _paths;

    private SnapshotRetention(Snapshot snapshot, RootCatalog roots, int[] seeds, DominatorTree tree, long[] typeRetained, ulong[] nested)
    {
        _snapshot = snapshot;
        Roots = roots;
        _seeds = seeds;
        Tree = tree;
        _typeRetained = typeRetained;
        _nested = nested;
    }

    public DominatorTree Tree { get; }

    public RootCatalog Roots { get; }

    /// <summary>Retained bytes of the heap type with this name (live instances; 0 when it has none).</summary>
    public long TypeRetained(string name)
    {
        int p = _snapshot.Live.Totals.PositionOf(name);
        return p < 0 ? 0 : _typeRetained[p];
    }

    /// <summary>True when another instance of the object's heap type dominates it.</summary>
    public bool IsNested(int i) => (_nested[i >> 6] & (1UL << (i & 63))) != 0;

    public bool HasPaths => _paths is not null;

    /// <summary>The shortest-path tree, built on first use (call inside the snapshot's RunAsync).</summary>
    public ShortestPathTree Paths(CancellationToken cancellation) =>
        _paths ??= ShortestPathTree.Build(new ReferenceGraph(_snapshot.Index), _seeds, Roots, cancellation);

    /// <summary>The root description of the start of i's shortest path ("other" for a root the catalog does not name).</summary>
    public RootDescription RootOf(int i, CancellationToken cancellation)
    {
        int start = Paths(cancellation).RootObjectOf(i);
        return start < 0 ? new RootDescription { Kind = "other" } : RootAt(start);
    }

    /// <summary>The first root (in report order) that holds this object directly, or "other".</summary>
    public RootDescription RootAt(int rootObject)
    {
        IReadOnlyList<RootEntry> entries = Roots.At(rootObject);
        return entries.Count == 0 ? new RootDescription { Kind = "other" } : entries.MinBy(e => e.Category)!.Description;
    }

    /// <summary>What stays after the build, per heap object: the tree's arrays, the nested bits, the per-type sums.</summary>
    private static double KeptBytesPerObject(int objects, int types) =>
        DominatorTree.BytesPerObject + 1.0 / 8 + (double)types * sizeof(long) / Math.Max(1, objects);

    /// <summary>Builds it all (call inside the snapshot's RunAsync).</summary>
    public static SnapshotRetention Build(Snapshot snapshot, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        var clock = Stopwatch.StartNew();
        HeapIndex index = snapshot.Index;
        LiveObjects live = snapshot.Live;
        if (!snapshot.HasRoots) context.Progress("Reading the roots of the heap (stacks, statics, handles)", 0);
        RootCatalog roots = snapshot.RootsFor(cancellation);

        // Root objects in report order: named roots by category, then the others (frozen objects, interior pointers).
        var named = roots.Objects.Where(o => live.IsLive(o.Object)).OrderBy(o => o.First.Category).ThenBy(o => o.Object).Select(o => o.Object).ToList();
        var seen = new HashSet<int>(named);
        int[] seeds = named.Concat(live.Roots.Where(r => !seen.Contains(r))).ToArray();
        int notLive = roots.Objects.Count(o => !live.IsLive(o.Object));
        if (notLive > 0) Log.Warn($"{notLive:N0} objects named as roots of {snapshot.Id} are not live by the GC's roots; they are left out of the dominator tree.");
        long rootsMs = clock.ElapsedMilliseconds;

        var graph = new ReferenceGraph(index);
        DominatorTree tree = DominatorTree.Build(
            graph,
            live.IsLive,
            seeds,
            i => (long)index.SizeOf(i),
            (message, percent) => context.Progress(message, percent),
            cancellation);
        long treeMs = clock.ElapsedMilliseconds;

        context.Progress("Adding up retained sizes per heap type", 95);
        NameTotals totals = live.Totals;
        var nameOfType = new int[index.Types.Count];
        for (int t = 0; t < nameOfType.Length; t++) nameOfType[t] = index.Types.IsFree(t) ? -1 : totals.PositionOf(index.Types.NameOf(t));
        var (typeRetained, nested) = TypeRetention.Compute(tree, i => nameOfType[index.TypeOf[i]], totals.Length, cancellation);
        DominatorTree.ReturnScratch(index.Count);
        Log.Info($"Retention of {snapshot.Id}: roots {rootsMs} ms, dominator tree {treeMs - rootsMs} ms, per type {clock.ElapsedMilliseconds - treeMs} ms " +
            $"({live.Count:N0} live objects; kept {KeptBytesPerObject(index.Count, typeRetained.Length):F2} bytes per object).");
        return new SnapshotRetention(snapshot, roots, seeds, tree, typeRetained, nested);
    }
}
