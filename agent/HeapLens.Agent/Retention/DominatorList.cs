// heap/dominators: the objects that retain most, or the dominator-tree children of one object, largest retained size
// first. Without an address the list is the top of the tree: the objects no other object dominates (each held by a
// root, or by several retainers at once); the artificial root above them is not an object and is not listed. The
// tree keeps no child lists (they would cost 8 bytes per object): a page scans the immediate dominators once.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Retention;

public static class DominatorList
{
    public const int DefaultTop = 50;

    public static Dominators Page(Snapshot snapshot, SnapshotRetention retention, int? parent, int? top, int? offset, CancellationToken cancellation)
    {
        int take = top ?? DefaultTop;
        int skip = offset ?? 0;
        if (take < 0 || skip < 0) throw AgentException.InvalidParams($"top and offset must be zero or more (got top {take}, offset {skip}).");
        HeapIndex index = snapshot.Index;
        DominatorTree tree = retention.Tree;
        int wanted = parent ?? DominatorTree.TopLevel;
        var members = new List<int>();
        for (int v = 0; v < tree.Count; v++)
        {
            if ((v & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (tree.ImmediateDominator(v) == wanted) members.Add(v);
        }
        var page = members
            .OrderByDescending(tree.RetainedBytes)
            .ThenBy(v => v)
            .Skip(skip)
            .Take(take)
            .ToList();

        // How many children each listed object has, so a client knows which ones expand: one more scan.
        var position = new Dictionary<int, int>(page.Count);
        for (int k = 0; k < page.Count; k++) position[page[k]] = k;
        var children = new int[page.Count];
        if (page.Count > 0)
        {
            for (int v = 0; v < tree.Count; v++)
            {
                int d = tree.ImmediateDominator(v);
                if (d >= 0 && position.TryGetValue(d, out int k)) children[k]++;
            }
        }
        var items = page.Select((v, k) => new Dominator(
            Json.Hex(index.Addresses[v]),
            index.Types.NameOf(index.TypeOf[v]),
            (long)index.SizeOf(v),
            tree.RetainedBytes(v),
            tree.RetainedObjects(v),
            children[k],
            parent is null ? retention.RootOf(v, cancellation) : null)).ToList();
        return new Dominators(snapshot.Live.Count, snapshot.Live.Bytes, items, members.Count);
    }
}
