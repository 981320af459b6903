// The live marking (LiveObjects.MarkReachable) against a plain search from the roots, on random graphs with cycles,
// self-references, back edges and unreachable nodes, with stacks of every size down to one entry, so the path where
// the stack is full and the sweep runs again is taken as often as the usual one.
using HeapLens.Agent.Live;
using Xunit;

namespace HeapLens.Agent.Tests;

public sealed class LiveMarkingTests
{
    private static (int[] RefStart, int[] Refs, List<int>[] Out) RandomGraph(Random random, int n)
    {
        var edges = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        double density = random.NextDouble() < 0.2 ? 0.15 : 1.5 / n;
        for (int v = 0; v < n; v++)
        {
            for (int w = 0; w < n; w++)
            {
                if (random.NextDouble() < density) edges[v].Add(w);
            }
            if (v + 1 < n && random.NextDouble() < 0.3) edges[v].Add(v + 1);
            // Back edges and chains running backwards: what goes on the stack.
            if (v > 0 && random.NextDouble() < 0.4) edges[v].Add(v - 1);
            if (random.NextDouble() < 0.2) edges[v].Add(random.Next(0, v + 1));
        }
        var refStart = new int[n + 1];
        var refs = new List<int>();
        for (int v = 0; v < n; v++)
        {
            refStart[v] = refs.Count;
            refs.AddRange(edges[v]);
        }
        refStart[n] = refs.Count;
        return (refStart, refs.ToArray(), edges);
    }

    private static bool[] Reach(List<int>[] edges, IEnumerable<int> roots)
    {
        var seen = new bool[edges.Length];
        var stack = new Stack<int>();
        foreach (int r in roots)
        {
            if (seen[r]) continue;
            seen[r] = true;
            stack.Push(r);
        }
        while (stack.Count > 0)
        {
            foreach (int w in edges[stack.Pop()])
            {
                if (seen[w]) continue;
                seen[w] = true;
                stack.Push(w);
            }
        }
        return seen;
    }

    private static void AssertMarksReach(Random random, int n, int stackLimit, string where)
    {
        var (refStart, refs, edges) = RandomGraph(random, n);
        int[] roots = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(n, 5) + 1)).ToArray();
        var bits = new ulong[(n + 63) / 64];
        foreach (int r in roots) bits[r >> 6] |= 1UL << (r & 63);
        LiveObjects.MarkReachable(refStart, refs, bits, CancellationToken.None, stackLimit);
        bool[] expected = Reach(edges, roots);
        for (int v = 0; v < n; v++)
        {
            bool marked = (bits[v >> 6] & (1UL << (v & 63))) != 0;
            Assert.True(expected[v] == marked, $"{where}, node {v} of {n}: marked {marked}, reachable {expected[v]}");
        }
    }

    [Fact]
    public void MarksExactlyWhatTheRootsReach()
    {
        var random = new Random(20261201);
        for (int round = 0; round < 600; round++)
        {
            int stackLimit = round % 3 == 0 ? 1 : round % 3 == 1 ? 3 : 1 << 20;
            AssertMarksReach(random, random.Next(1, 200), stackLimit, $"round {round}, stack {stackLimit}");
        }
    }

    [Fact]
    public void AFullStackLosesNothingOnALargerGraph()
    {
        var random = new Random(5);
        for (int round = 0; round < 10; round++) AssertMarksReach(random, 3000, 2, $"round {round}");
    }

    [Fact]
    public void AChainRunningBackwardsFromTheLastObjectIsMarkedWholly()
    {
        // Object i refers to i - 1: each step goes behind the sweep, onto the stack (one entry at a time).
        const int n = 100_000;
        var refStart = Enumerable.Range(0, n + 1).Select(i => Math.Max(0, i - 1)).ToArray();
        var refs = Enumerable.Range(0, n - 1).ToArray();
        var bits = new ulong[(n + 63) / 64];
        bits[(n - 1) >> 6] |= 1UL << ((n - 1) & 63);
        LiveObjects.MarkReachable(refStart, refs, bits, CancellationToken.None, 1);
        Assert.Equal(n, bits.Sum(w => System.Numerics.BitOperations.PopCount(w)));
    }
}
