// What a snapshot knows about retention once asked: the dominator tree with every live object's retained size, the
// retained size of every heap type, and (on first need) the shortest-path tree that names each object's root. Built
// lazily, under the snapshot's gate, with progress and cancellation; a cancelled build leaves nothing behind.
// The tree hangs from the live roots found at open (LiveRoots): a dominator tree does not depend on the order of its
// roots, so statistics need no root names. Naming the roots (RootCatalog: every stack frame with its source line,
// every static by name) waits for the first retention path or root description, which also orders the roots.
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
    private int[]? _seeds;
    private readonly long[] _typeRetained;
    private readonly LoadOnce<CachedTree> _tree;
    private ShortestPathTree? _paths;

    private SnapshotRetention(Snapshot snapshot, LoadOnce<CachedTree> tree, long[] typeRetained)
    {
        _snapshot = snapshot;
        _tree = tree;
        _typeRetained = typeRetained;
    }

    /// <summary>What the tree leaves per object: the tree itself and the nested bits.</summary>
    public sealed record CachedTree(DominatorTree Tree, ulong[] Nested);

    /// <summary>
    /// Retention as the index cache kept it: the per-type retained bytes at once (what heap/stats shows), the tree on
    /// first need through <paramref name="load"/> (which may throw when the file is damaged).
    /// </summary>
    public static SnapshotRetention FromCache(Snapshot snapshot, long[] typeRetained, Func<CachedTree> load) => new(snapshot, new LoadOnce<CachedTree>(load), typeRetained);

    private CachedTree Parts => _tree.Value;

    public DominatorTree Tree => Parts.Tree;

    /// <summary>The roots of the heap, named (ClrMD's root enumeration, call inside the snapshot's RunAsync): gathered on
    /// first need, so a reopen from the cache that only lists heap types never reads them.</summary>
    public RootCatalog Roots => _snapshot.Roots;

    /// <summary>For the index cache: per live type name (Live.Totals' positions) its retained bytes, and the tree's parts.</summary>
    internal long[] TypeRetainedBytes => _typeRetained;

    internal CachedTree TreeParts => Parts;

    /// <summary>Retained bytes of the heap type with this name (live instances; 0 when it has none).</summary>
    public long TypeRetained(string name)
    {
        int p = _snapshot.Live.Totals.PositionOf(name);
        return p < 0 ? 0 : _typeRetained[p];
    }

    /// <summary>True when another instance of the object's heap type dominates it.</summary>
    public bool IsNested(int i) => (Parts.Nested[i >> 6] & (1UL << (i & 63))) != 0;

    public bool HasPaths => _paths is not null;

    /// <summary>The shortest-path tree, built on first use (call inside the snapshot's RunAsync).</summary>
    public ShortestPathTree Paths(CancellationToken cancellation)
    {
        if (_paths is not null) return _paths;
        RootCatalog roots = _snapshot.RootsFor(cancellation);
        _seeds ??= OrderedSeeds(roots, _snapshot.Live, _snapshot.Id);
        return _paths = ShortestPathTree.Build(new ReferenceGraph(_snapshot.Index), _seeds, roots, cancellation);
    }

    /// <summary>Root objects in report order, which decides the root a shortest path starts from: named roots by
    /// category (stack, static, handles, …), then the live roots no name covers (frozen objects, interior pointers).</summary>
    private static int[] OrderedSeeds(RootCatalog roots, LiveObjects live, string snapshotId)
    {
        var named = roots.Objects.Where(o => live.IsLive(o.Object)).OrderBy(o => o.First.Category).ThenBy(o => o.Object).Select(o => o.Object).ToList();
        var seen = new HashSet<int>(named);
        int notLive = roots.Objects.Count(o => !live.IsLive(o.Object));
        if (notLive > 0) Log.Warn($"{notLive:N0} objects named as roots of {snapshotId} are not live by the GC's roots; no retention path starts from them.");
        return named.Concat(live.Roots.Where(r => !seen.Contains(r))).ToArray();
    }

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
        var graph = new ReferenceGraph(index);
        DominatorTree tree = DominatorTree.Build(
            graph,
            live.IsLive,
            // Every live object is reachable from the live roots: they are what marked it live.
            live.Roots,
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
        Log.Info($"Retention of {snapshot.Id}: dominator tree {treeMs} ms, per type {clock.ElapsedMilliseconds - treeMs} ms " +
            $"({live.Count:N0} live objects; kept {KeptBytesPerObject(index.Count, typeRetained.Length):F2} bytes per object).");
        return new SnapshotRetention(snapshot, new LoadOnce<CachedTree>(new CachedTree(tree, nested)), typeRetained);
    }
}
