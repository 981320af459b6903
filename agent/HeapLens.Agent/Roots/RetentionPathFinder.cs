// heap/roots (gcroot): for one target object, the shortest retention path from each kind of root that reaches it.
// A breadth-first search runs backwards from the target over the index's reverse references; the first time it
// meets an object held by a root of a category not yet found, the path from that root is the shortest of its kind.
// It stops when every category present in the snapshot is found or nothing is left to visit. Field names are then
// read for the links of the reported paths only.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Roots;

public sealed class RetentionPathFinder
{
    private readonly Snapshot _snapshot;
    private readonly HeapIndex _index;
    private readonly RootCatalog _roots;
    // Reused between targets of one request: stamp[i] == _search marks object i as visited in the current search.
    private readonly int[] _stamp;
    private readonly int[] _toward;
    private readonly List<int> _queue = new();
    private int _search;

    public RetentionPathFinder(Snapshot snapshot)
    {
        _snapshot = snapshot;
        _index = snapshot.Index;
        _roots = snapshot.Roots;
        _stamp = new int[_index.Count];
        _toward = new int[_index.Count];
    }

    /// <summary>Paths to one target, ordered by root category (stack, static, handles, finalizer).</summary>
    public List<(RootCategory Category, RetentionPath Path)> Find(int target, CancellationToken cancellation)
    {
        var found = new SortedDictionary<RootCategory, (int Node, RootEntry Entry)>();
        int wanted = _roots.CategoryCount;
        _search++;
        _queue.Clear();
        _queue.Add(target);
        _stamp[target] = _search;
        _toward[target] = -1;

        for (int head = 0; head < _queue.Count && found.Count < wanted; head++)
        {
            if ((head & 0xfff) == 0) cancellation.ThrowIfCancellationRequested();
            int node = _queue[head];
            foreach (RootEntry entry in _roots.At(node))
            {
                if (!found.ContainsKey(entry.Category)) found[entry.Category] = (node, entry);
            }
            for (int k = _index.BackStart[node]; k < _index.BackStart[node + 1]; k++)
            {
                int parent = _index.Back[k];
                if (_stamp[parent] == _search) continue;
                if (_roots.IsStaticSlot(parent, node)) continue;
                _stamp[parent] = _search;
                _toward[parent] = node;
                _queue.Add(parent);
            }
        }

        var paths = new List<(RootCategory, RetentionPath)>();
        foreach (var (category, (node, entry)) in found)
        {
            cancellation.ThrowIfCancellationRequested();
            paths.Add((category, new RetentionPath(entry.Description, Links(node))));
        }
        return paths;
    }

    /// <summary>The objects from the rooted one to the target, each named by the field that leads to it.</summary>
    private List<PathLink> Links(int from)
    {
        var links = new List<PathLink>();
        int previous = -1;
        for (int node = from; node >= 0; node = _toward[node])
        {
            ulong address = _index.Addresses[node];
            string? field = previous < 0
                ? null
                : FieldNames.Between(_snapshot.Heap.GetObject(_index.Addresses[previous]), address, _snapshot.Runtime.DataTarget.DataReader);
            links.Add(new PathLink(Json.Hex(address), _index.Types.NameOf(_index.TypeOf[node]), field));
            previous = node;
        }
        return links;
    }
}
