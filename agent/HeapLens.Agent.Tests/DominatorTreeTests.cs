// The dominator tree, retained sizes, per-type retained sizes and the shortest-path tree against plain reference
// algorithms, on random graphs with cycles, self-references, unreachable nodes and nodes several roots reach.
// Reference: d dominates v when v cannot be reached from the roots once d is taken away; v's immediate dominator is
// the strict dominator that every other strict dominator dominates; v's retained size is the sum over what it
// dominates. Slow (cubic) and obviously right, on graphs of up to 60 nodes.
using HeapLens.Agent.Retention;
using Xunit;

namespace HeapLens.Agent.Tests;

public sealed class DominatorTreeTests
{
    private sealed record Graph(int N, List<int>[] Out, int[] Roots, long[] Sizes, int[] Types)
    {
        public ReferenceGraph ToReferenceGraph()
        {
            var refStart = new int[N + 1];
            var refs = new List<int>();
            var incoming = Enumerable.Range(0, N).Select(_ => new List<int>()).ToArray();
            for (int v = 0; v < N; v++)
            {
                refStart[v] = refs.Count;
                foreach (int w in Out[v])
                {
                    refs.Add(w);
                    incoming[w].Add(v);
                }
            }
            refStart[N] = refs.Count;
            var backStart = new int[N + 1];
            var back = new List<int>();
            for (int v = 0; v < N; v++)
            {
                backStart[v] = back.Count;
                back.AddRange(incoming[v]);
            }
            backStart[N] = back.Count;
            return new ReferenceGraph(refStart, refs.ToArray(), backStart, back.ToArray());
        }
    }

    private static Graph RandomGraph(Random random)
    {
        int n = random.Next(1, 61);
        var edges = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        // Sparse like a heap (most objects refer to a few others), sometimes dense.
        double density = random.NextDouble() < 0.2 ? 0.15 : 1.5 / n;
        for (int v = 0; v < n; v++)
        {
            for (int w = 0; w < n; w++)
            {
                if (random.NextDouble() < density) edges[v].Add(w);
            }
            // A chain and a back edge now and then, so cycles and long paths are common.
            if (v + 1 < n && random.NextDouble() < 0.5) edges[v].Add(v + 1);
            if (random.NextDouble() < 0.1) edges[v].Add(random.Next(0, v + 1));
        }
        int rootCount = random.Next(1, Math.Min(n, 5) + 1);
        int[] roots = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(rootCount).ToArray();
        long[] sizes = Enumerable.Range(0, n).Select(_ => (long)random.Next(24, 2000)).ToArray();
        int[] types = Enumerable.Range(0, n).Select(_ => random.Next(0, 4)).ToArray();
        return new Graph(n, edges, roots, sizes, types);
    }

    /// <summary>What the roots reach when <paramref name="removed"/> (or nothing, for -1) is taken away.</summary>
    private static bool[] Reach(Graph g, int removed)
    {
        var seen = new bool[g.N];
        var stack = new Stack<int>();
        foreach (int r in g.Roots)
        {
            if (r == removed || seen[r]) continue;
            seen[r] = true;
            stack.Push(r);
        }
        while (stack.Count > 0)
        {
            foreach (int w in g.Out[stack.Pop()])
            {
                if (w == removed || seen[w]) continue;
                seen[w] = true;
                stack.Push(w);
            }
        }
        return seen;
    }

    /// <summary>dominated[d][v]: d dominates v (d = v included) among the live nodes.</summary>
    private static bool[][] ReferenceDominance(Graph g, bool[] live)
    {
        var dominated = new bool[g.N][];
        for (int d = 0; d < g.N; d++)
        {
            bool[] without = Reach(g, d);
            dominated[d] = new bool[g.N];
            for (int v = 0; v < g.N; v++) dominated[d][v] = live[d] && live[v] && (v == d || !without[v]);
        }
        return dominated;
    }

    private static DominatorTree Build(Graph g, bool[] live) =>
        DominatorTree.Build(g.ToReferenceGraph(), i => live[i], g.Roots, i => g.Sizes[i], null, CancellationToken.None);

    [Fact]
    public void MatchesTheReferenceOnRandomGraphs()
    {
        var random = new Random(20261130);
        for (int round = 0; round < 400; round++)
        {
            Graph g = RandomGraph(random);
            bool[] live = Reach(g, -1);
            bool[][] dom = ReferenceDominance(g, live);
            DominatorTree tree = Build(g, live);
            for (int v = 0; v < g.N; v++)
            {
                string where = $"round {round}, node {v} of {g.N}";
                if (!live[v])
                {
                    Assert.True(tree.ImmediateDominator(v) == DominatorTree.Unreachable, where);
                    Assert.Equal(0, tree.RetainedBytes(v));
                    continue;
                }
                // The immediate dominator: the strict dominator that all the others dominate.
                var strict = Enumerable.Range(0, g.N).Where(d => d != v && dom[d][v]).ToList();
                int expected = strict.Count == 0 ? DominatorTree.TopLevel : strict.Single(d => strict.All(o => dom[o][d]));
                Assert.True(expected == tree.ImmediateDominator(v), $"{where}: idom {tree.ImmediateDominator(v)}, expected {expected}");
                long bytes = Enumerable.Range(0, g.N).Where(w => dom[v][w]).Sum(w => g.Sizes[w]);
                int objects = Enumerable.Range(0, g.N).Count(w => dom[v][w]);
                Assert.True(bytes == tree.RetainedBytes(v), $"{where}: retained {tree.RetainedBytes(v)}, expected {bytes}");
                Assert.True(objects == tree.RetainedObjects(v), where);
            }
        }
    }

    [Fact]
    public void TypeRetentionCountsInstancesNoOtherInstanceDominates()
    {
        var random = new Random(7);
        for (int round = 0; round < 300; round++)
        {
            Graph g = RandomGraph(random);
            bool[] live = Reach(g, -1);
            bool[][] dom = ReferenceDominance(g, live);
            DominatorTree tree = Build(g, live);
            var (retained, nested) = TypeRetention.Compute(tree, i => g.Types[i], 4, CancellationToken.None);
            for (int t = 0; t < 4; t++)
            {
                var instances = Enumerable.Range(0, g.N).Where(v => live[v] && g.Types[v] == t).ToList();
                var top = instances.Where(x => !instances.Any(y => y != x && dom[y][x])).ToList();
                long expected = top.Sum(x => Enumerable.Range(0, g.N).Where(w => dom[x][w]).Sum(w => g.Sizes[w]));
                Assert.True(expected == retained[t], $"round {round}, type {t}: {retained[t]}, expected {expected}");
                foreach (int x in instances)
                {
                    bool isNested = (nested[x >> 6] & (1UL << (x & 63))) != 0;
                    Assert.True(isNested == !top.Contains(x), $"round {round}, node {x}");
                }
            }
        }
    }

    [Fact]
    public void ShortestPathTreeGivesBreadthFirstDistances()
    {
        var random = new Random(99);
        for (int round = 0; round < 300; round++)
        {
            Graph g = RandomGraph(random);
            bool[] live = Reach(g, -1);
            // Reference distances from all roots at once.
            var distance = Enumerable.Repeat(-1, g.N).ToArray();
            var queue = new Queue<int>();
            foreach (int r in g.Roots.Distinct())
            {
                distance[r] = 0;
                queue.Enqueue(r);
            }
            while (queue.Count > 0)
            {
                int v = queue.Dequeue();
                foreach (int w in g.Out[v].Where(w => distance[w] < 0))
                {
                    distance[w] = distance[v] + 1;
                    queue.Enqueue(w);
                }
            }
            ShortestPathTree paths = ShortestPathTree.Build(g.ToReferenceGraph(), g.Roots, null, CancellationToken.None);
            for (int v = 0; v < g.N; v++)
            {
                if (!live[v])
                {
                    Assert.Equal(ShortestPathTree.Unreachable, paths.Parent(v));
                    continue;
                }
                int length = 0;
                for (int x = v; paths.Parent(x) != ShortestPathTree.Rooted; x = paths.Parent(x))
                {
                    Assert.Contains(x, g.Out[paths.Parent(x)]);
                    length++;
                }
                Assert.Equal(distance[v], length);
                Assert.Contains(paths.RootObjectOf(v), g.Roots);
            }
        }
    }

    [Fact]
    public void HandlesALongChainWithoutRecursion()
    {
        // 2,000,000 objects in one chain: a recursive depth-first search would overflow the stack.
        const int n = 2_000_000;
        var refStart = new int[n + 1];
        var refs = new int[n - 1];
        var backStart = new int[n + 1];
        var back = new int[n - 1];
        for (int v = 0; v < n; v++)
        {
            refStart[v] = Math.Min(v, n - 1);
            backStart[v] = Math.Max(0, v - 1);
            if (v + 1 < n) refs[v] = v + 1;
            if (v > 0) back[v - 1] = v - 1;
        }
        refStart[n] = n - 1;
        backStart[n] = n - 1;
        var graph = new ReferenceGraph(refStart, refs, backStart, back);
        DominatorTree tree = DominatorTree.Build(graph, _ => true, new[] { 0 }, _ => 32, null, CancellationToken.None);
        Assert.Equal(32L * n, tree.RetainedBytes(0));
        Assert.Equal(n, tree.RetainedObjects(0));
        Assert.Equal(n - 2, tree.ImmediateDominator(n - 1));
        Assert.Equal(32, tree.RetainedBytes(n - 1));
    }
}
