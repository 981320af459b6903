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
                List<PathLink> links = Links(at, cancellation);
                paths.Add((category, new RetentionPath(entry.Description, full ? links : Fold(links))));
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
    /// and the run's last link, so the path still ends on the target's own address.
    /// </summary>
    public static List<PathLink> Fold(List<PathLink> links)
    {
        var folded = new List<PathLink>();
        int i = 0;
        while (i < links.Count)
        {
            int j = i + 1;
            while (j < links.Count && links[j].Field is not null && links[j].Field == links[i].Field && links[j].Type == links[i].Type) j++;
            int run = j - i;
            if (links[i].Field is not null && run >= FoldMinRun)
            {
                folded.Add(links[i] with { Repeat = run - 1 });
                folded.Add(links[j - 1]);
            }
            else
            {
                for (int k = i; k < j; k++) folded.Add(links[k]);
            }
            i = j;
        }
        return folded;
    }

    private bool IsVisited(int node) => (_visited[node >> 6] & (1UL << (node & 63))) != 0;

    private void Visit(int node) => _visited[node >> 6] |= 1UL << (node & 63);

    /// <summary>The objects from the rooted one (queue position <paramref name="at"/>) to the target, each named by
    /// the field that leads to it.</summary>
    private List<PathLink> Links(int at, CancellationToken cancellation)
    {
        var links = new List<PathLink>();
        int previous = -1;
        ulong previousAddress = 0;
        for (int q = at; q >= 0; q = _queue[q].From)
        {
            if ((links.Count & 0xfff) == 0) cancellation.ThrowIfCancellationRequested();
            int node = _queue[q].Node;
            ulong address = _index.Addresses[node];
            string? field = previous < 0 ? null : _fieldNames.Between(_index.TypeOf[previous], previousAddress, _index.SizeOf(previous), address);
            links.Add(new PathLink(Json.Hex(address), _index.Types.NameOf(_index.TypeOf[node]), field));
            previous = node;
            previousAddress = address;
        }
        return links;
    }
}
