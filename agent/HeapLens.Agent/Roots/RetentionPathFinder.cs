// heap/roots (gcroot): for one target object, the shortest retention path from each kind of root that reaches it.
// A breadth-first search runs backwards from the target over the index's reverse references; the first time it
// meets an object held by a root of a category not yet found, the path from that root is the shortest of its kind.
// It stops when every category present in the snapshot is found or nothing is left to visit. Field names are then
// read for the links of the reported paths only.
// Memory: one bit per heap object marks what a search has visited (kept between searches, cleared through the
// queue), and the queue holds each visited object with the queue position it was reached from, so a search costs
// memory in proportion to what it visits, not to the heap.
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Roots;

public sealed class RetentionPathFinder
{
    private readonly Snapshot _snapshot;
    private readonly HeapIndex _index;
    private RootCatalog? _roots;
    private readonly ulong[] _visited;
    private readonly List<(int Node, int From)> _queue = new();
    private readonly FieldNames _fieldNames;

    public RetentionPathFinder(Snapshot snapshot)
    {
        _snapshot = snapshot;
        _index = snapshot.Index;
        _visited = new ulong[(_index.Count + 63) / 64];
        _fieldNames = new FieldNames(snapshot.Heap, snapshot.Runtime.DataTarget.DataReader);
    }

    /// <summary>Runs of at least this many equal links (same type, same field) are folded into one link and the run's
    /// last; the same rule as src/common/retentionFolding.ts, so a client shows the same lines either way.</summary>
    public const int FoldMinRun = 4;

    /// <summary>Paths to one target, ordered by root category (stack, static, handles, finalizer); long runs of equal
    /// links folded unless <paramref name="full"/>.</summary>
    public List<(RootCategory Category, RetentionPath Path)> Find(int target, bool full, CancellationToken cancellation)
    {
        // The roots are gathered by the first search, which may be cancelled while it does.
        RootCatalog roots = _roots ??= _snapshot.RootsFor(cancellation);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var found = new SortedDictionary<RootCategory, (int At, RootEntry Entry)>();
        int wanted = roots.CategoryCount;
        int[] backStart = _index.BackStart;
        int[] back = _index.Back;
        _queue.Clear();
        _queue.Add((target, -1));
        Visit(target);
        try
        {
            for (int head = 0; head < _queue.Count && found.Count < wanted; head++)
            {
                if ((head & 0xfff) == 0) cancellation.ThrowIfCancellationRequested();
                int node = _queue[head].Node;
                foreach (RootEntry entry in roots.At(node))
                {
                    if (!found.ContainsKey(entry.Category)) found[entry.Category] = (head, entry);
                }
                for (int k = backStart[node], end = backStart[node + 1]; k < end; k++)
                {
                    int parent = back[k];
                    if (IsVisited(parent)) continue;
                    if (roots.IsStaticSlot(parent, node)) continue;
                    Visit(parent);
                    _queue.Add((parent, head));
                }
            }

            long searchMs = clock.ElapsedMilliseconds;
            var paths = new List<(RootCategory, RetentionPath)>();
            foreach (var (category, (at, entry)) in found)
            {
                cancellation.ThrowIfCancellationRequested();
                paths.Add((category, new RetentionPath(entry.Description, Links(at, full, cancellation))));
            }
            Log.Info($"Retention paths of object {target:N0}: searched {_queue.Count:N0} objects in {searchMs} ms, " +
                $"named {paths.Sum(p => p.Item2.Links.Count):N0} links in {clock.ElapsedMilliseconds - searchMs} ms.");
            return paths;
        }
        finally
        {
            // Unmark what this search visited: cheaper than clearing a bit per heap object.
            foreach ((int node, int _) in _queue) _visited[node >> 6] = 0;
        }
    }

    /// <summary>
    /// What crosses the wire: a 100,000-link chain through one field would be megabytes of JSON. Each run of at least
    /// FoldMinRun links with the same field and type becomes its first link, carrying how many links it stands for,
    /// and the run's last link, so the path still ends on the target's own address. Gives the positions of the links
    /// kept and each one's repeat count (0: not folded).
    /// </summary>
    private static List<(int At, int Repeat)> Fold(string?[] fields, string[] types)
    {
        var kept = new List<(int, int)>();
        int i = 0;
        while (i < fields.Length)
        {
            int j = i + 1;
            while (j < fields.Length && fields[j] is not null && fields[j] == fields[i] && types[j] == types[i]) j++;
            int run = j - i;
            if (fields[i] is not null && run >= FoldMinRun)
            {
                kept.Add((i, run - 1));
                kept.Add((j - 1, 0));
            }
            else
            {
                for (int k = i; k < j; k++) kept.Add((k, 0));
            }
            i = j;
        }
        return kept;
    }

    private bool IsVisited(int node) => (_visited[node >> 6] & (1UL << (node & 63))) != 0;

    private void Visit(int node) => _visited[node >> 6] |= 1UL << (node & 63);

    /// <summary>The objects from the rooted one (queue position <paramref name="at"/>) to the target, each named by
    /// the field that leads to it; folded unless <paramref name="full"/>. Links are made only for what is reported:
    /// making 100,000 of them (an address string and a record each) to keep four cost more than naming them.</summary>
    private List<PathLink> Links(int at, bool full, CancellationToken cancellation)
    {
        var nodes = new List<int>();
        for (int q = at; q >= 0; q = _queue[q].From) nodes.Add(_queue[q].Node);
        var addresses = new ulong[nodes.Count];
        var fields = new string?[nodes.Count];
        var types = new string[nodes.Count];
        for (int k = 0; k < nodes.Count; k++)
        {
            if ((k & 0xfff) == 0) cancellation.ThrowIfCancellationRequested();
            int node = nodes[k];
            addresses[k] = _index.Addresses[node];
            types[k] = _index.Types.NameOf(_index.TypeOf[node]);
            if (k > 0) fields[k] = _fieldNames.Between(_index.TypeOf[nodes[k - 1]], addresses[k - 1], _index.SizeOf(nodes[k - 1]), addresses[k]);
        }
        PathLink LinkAt(int k, int repeat) => new(Json.Hex(addresses[k]), types[k], fields[k], repeat > 0 ? repeat : null);
        return full
            ? Enumerable.Range(0, nodes.Count).Select(k => LinkAt(k, 0)).ToList()
            : Fold(fields, types).Select(x => LinkAt(x.At, x.Repeat)).ToList();
    }
}
