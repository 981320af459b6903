// The shortest retention path of every live object at once: one breadth-first search from all roots together, which
// leaves each object the neighbour it was first reached from (its parent on a shortest path). Roots are seeded in the
// order paths are reported (stack, static, handles, finalizer queue, other), so among equally short paths the one
// from the first kind wins. A static field's slot in the runtime's statics array is not followed: the static is a
// root of its own, as in RootCatalog. 4 bytes per object, built on first need.
using HeapLens.Agent.Roots;

namespace HeapLens.Agent.Retention;

public sealed class ShortestPathTree
{
    /// <summary>The parent of an object a root holds directly.</summary>
    public const int Rooted = -2;

    /// <summary>The parent of an unreachable object.</summary>
    public const int Unreachable = -1;

    private readonly int[] _parent;

    private ShortestPathTree(int[] parent) => _parent = parent;

    /// <summary>The previous object on i's shortest path from a root, Rooted, or Unreachable.</summary>
    public int Parent(int i) => _parent[i];

    /// <summary>The object at the start of i's shortest path (the one a root holds), or -1 when unreachable.</summary>
    public int RootObjectOf(int i)
    {
        if (_parent[i] == Unreachable) return -1;
        while (_parent[i] != Rooted) i = _parent[i];
        return i;
    }

    /// <summary>Seeds are the root objects in report order; every live object must be reachable from them.</summary>
    public static ShortestPathTree Build(ReferenceGraph graph, IReadOnlyList<int> seeds, RootCatalog? catalog, CancellationToken cancellation)
    {
        int n = graph.Count;
        var parent = new int[n];
        Array.Fill(parent, Unreachable);
        var queue = new int[Math.Max(16, seeds.Count)];
        int tail = 0;
        foreach (int r in seeds)
        {
            if (parent[r] != Unreachable) continue;
            parent[r] = Rooted;
            queue[tail++] = r;
        }
        int[] refStart = graph.RefStart, refs = graph.Refs;
        for (int head = 0; head < tail; head++)
        {
            if ((head & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int v = queue[head];
            for (int k = refStart[v], end = refStart[v + 1]; k < end; k++)
            {
                int w = refs[k];
                if (parent[w] != Unreachable) continue;
                if (catalog is not null && catalog.IsStaticSlot(v, w)) continue;
                parent[w] = v;
                if (tail == queue.Length) Array.Resize(ref queue, (int)Math.Min(n, (long)tail * 2));
                queue[tail++] = w;
            }
        }
        return new ShortestPathTree(parent);
    }
}
