// The dominator tree of the live heap and every live object's retained size: object d dominates object v when every
// path from the roots to v passes through d, so the bytes v's dominator subtree holds are freed if d goes. An
// artificial root sits above all roots (an object held by two roots, or by a root and another object, hangs from it).
//
// Semi-NCA (Georgiadis, Tarjan and Werneck, "Finding dominators in practice"): a depth-first numbering from the
// artificial root, semidominators in reverse preorder with path compression, then each immediate dominator as the
// nearest common ancestor of its DFS parent and its semidominator, walked up in preorder. Iterative throughout (a
// 5,000,000-link chain would overflow any recursion). Only live objects take part: an unreachable object has no
// dominator and retains nothing.
//
// Memory: the scratch arrays (about 24 bytes per object) are given back before the results are allocated; what stays
// is 16 bytes per object: the immediate dominator (4), the retained bytes (8) and the retained object count (4).
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HeapLens.Agent.Index;
using HeapLens.Agent.Live;

namespace HeapLens.Agent.Retention;

public sealed class DominatorTree
{
    /// <summary>The immediate dominator of an object held directly by the artificial root (no object dominates it).</summary>
    public const int TopLevel = -2;

    /// <summary>The "immediate dominator" of an unreachable object.</summary>
    public const int Unreachable = -1;

    private readonly int[] _idom;
    private readonly long[] _retainedBytes;
    private readonly int[] _retainedObjects;

    private DominatorTree(int[] idom, long[] retainedBytes, int[] retainedObjects, long buildMs)
    {
        _idom = idom;
        _retainedBytes = retainedBytes;
        _retainedObjects = retainedObjects;
        BuildMs = buildMs;
    }

    public int Count => _idom.Length;

    /// <summary>A tree as the index cache kept it.</summary>
    internal static DominatorTree Restore(int[] idom, long[] retainedBytes, int[] retainedObjects) => new(idom, retainedBytes, retainedObjects, 0);

    /// <summary>The arrays (for the index cache).</summary>
    internal (int[] Idom, long[] RetainedBytes, int[] RetainedObjects) Arrays => (_idom, _retainedBytes, _retainedObjects);

    public long BuildMs { get; }

    /// <summary>Bytes this tree keeps per object once built.</summary>
    public const int BytesPerObject = sizeof(int) + sizeof(long) + sizeof(int);

    /// <summary>The immediate dominator of object i: an object number, TopLevel or Unreachable.</summary>
    public int ImmediateDominator(int i) => _idom[i];

    /// <summary>Bytes freed if object i went (itself included); 0 when unreachable.</summary>
    public long RetainedBytes(int i) => _retainedBytes[i];

    public int RetainedObjects(int i) => _retainedObjects[i];

    /// <summary>
    /// Builds the tree over the graph's live objects, from the given root objects (every live object must be reachable
    /// from them). <paramref name="sizeOf"/> gives each object's size as heap/stats counts it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DominatorTree Build(ReferenceGraph graph, Func<int, bool> isLive, IReadOnlyList<int> roots, Func<int, long> sizeOf, Action<string, int>? progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        int n = graph.Count;
        int[] refStart = graph.RefStart, refs = graph.Refs, backStart = graph.BackStart, back = graph.Back;

        // 1. Depth-first preorder from the artificial root (number 0). pre[v] = 0 means not reached.
        progress?.Invoke("Numbering live objects", 0);
        int[] pre = new int[n];
        var isRoot = new ulong[(n + 63) / 64];
        foreach (int r in roots) isRoot[r >> 6] |= 1UL << (r & 63);
        int live = 0;
        for (int v = 0; v < n; v++)
        {
            if (isLive(v)) live++;
        }
        int[] vertex = GC.AllocateUninitializedArray<int>(live + 1);
        int[] parent = GC.AllocateUninitializedArray<int>(live + 1);
        vertex[0] = -1;
        parent[0] = 0;
        int count = 0;
        var stackNode = new int[1024];
        var stackCursor = new int[1024];
        foreach (int r in roots)
        {
            if (pre[r] != 0 || !isLive(r)) continue;
            pre[r] = ++count;
            vertex[count] = r;
            parent[count] = 0;
            int top = 0;
            stackNode[0] = r;
            stackCursor[0] = refStart[r];
            while (top >= 0)
            {
                int v = stackNode[top];
                int c = stackCursor[top];
                if (c < refStart[v + 1])
                {
                    stackCursor[top] = c + 1;
                    int w = refs[c];
                    if (pre[w] != 0 || !isLive(w)) continue;
                    if ((count & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
                    pre[w] = ++count;
                    vertex[count] = w;
                    parent[count] = pre[v];
                    if (++top == stackNode.Length)
                    {
                        Array.Resize(ref stackNode, top * 2);
                        Array.Resize(ref stackCursor, top * 2);
                    }
                    stackNode[top] = w;
                    stackCursor[top] = refStart[w];
                }
                else
                {
                    top--;
                }
            }
        }
        stackNode = stackCursor = null!;
        if (count != live) throw new InvalidOperationException($"The roots reach {count:N0} of {live:N0} live objects: the root sets disagree.");

        // 2. Semidominators in reverse preorder. ancestor starts as the DFS parent and is compressed as nodes are
        // linked; label[x] is the node of least semidominator on x's compressed path; idom starts as the DFS parent.
        progress?.Invoke("Computing dominators", 30);
        int[] semi = GC.AllocateUninitializedArray<int>(live + 1);
        int[] label = GC.AllocateUninitializedArray<int>(live + 1);
        int[] idom = parent;
        int[] ancestor = (int[])parent.Clone();
        for (int i = 0; i <= live; i++)
        {
            semi[i] = i;
            label[i] = i;
        }
        var path = new int[1024];
        for (int i = live; i >= 1; i--)
        {
            if ((i & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int w = vertex[i];
            int s = parent[i];
            if ((isRoot[w >> 6] & (1UL << (w & 63))) != 0) s = 0;
            for (int k = backStart[w], end = backStart[w + 1]; k < end && s > 0; k++)
            {
                int u = pre[back[k]];
                if (u == 0) continue; // an unreachable referrer
                int candidate;
                if (u <= i)
                {
                    candidate = u;
                }
                else
                {
                    candidate = semi[Eval(u, i + 1, ancestor, label, semi, ref path)];
                }
                if (candidate < s) s = candidate;
            }
            semi[i] = s;
        }
        ancestor = null!;
        path = null!;

        // 3. Immediate dominators in preorder: the nearest ancestor of the DFS parent at or above the semidominator.
        for (int i = 1; i <= live; i++)
        {
            int d = idom[i];
            while (d > semi[i]) d = idom[d];
            idom[i] = d;
        }
        semi = null!;

        // 4. Retained sizes bottom-up (a node's dominator has a smaller preorder number), straight into the arrays that
        // stay, indexed by object: the scratch goes back to the system first, so the peak stays near the scratch.
        progress?.Invoke("Adding up retained sizes", 80);
        label = null!;
        ReturnScratch(n);
        var bytesByObject = new long[n];
        var countByObject = new int[n];
        for (int i = live; i >= 1; i--)
        {
            if ((i & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int v = vertex[i];
            bytesByObject[v] += sizeOf(v);
            countByObject[v] += 1;
            int d = idom[i];
            if (d == 0) continue;
            int u = vertex[d];
            bytesByObject[u] += bytesByObject[v];
            countByObject[u] += countByObject[v];
        }

        // 5. pre[] becomes the immediate dominator per object.
        int[] idomByObject = pre;
        for (int v = 0; v < n; v++)
        {
            if (pre[v] == 0) idomByObject[v] = Unreachable;
        }
        for (int i = 1; i <= live; i++) idomByObject[vertex[i]] = idom[i] == 0 ? TopLevel : vertex[idom[i]];
        return new DominatorTree(idomByObject, bytesByObject, countByObject, clock.ElapsedMilliseconds);
    }

    /// <summary>
    /// Frees the scratch arrays dropped so far before big results are allocated: a blocking, non-compacting full
    /// collection (the arrays hold no references, so it costs little), only on heaps big enough for it to matter.
    /// </summary>
    public static void ReturnScratch(int objects)
    {
        if (objects >= 1 << 20) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }

    /// <summary>
    /// The node of least semidominator on the path from v up to (not including) the first node not yet linked (number
    /// below <paramref name="linked"/>), compressing that path so later questions skip it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Eval(int v, int linked, int[] ancestor, int[] label, int[] semi, ref int[] path)
    {
        if (ancestor[v] < linked) return label[v];
        int depth = 0;
        int x = v;
        do
        {
            if (depth == path.Length) Array.Resize(ref path, depth * 2);
            path[depth++] = x;
            x = ancestor[x];
        }
        while (ancestor[x] >= linked);
        // x is the top of the compressed path: its label is final for this question.
        int p = x;
        int pLabel = label[p];
        while (depth > 0)
        {
            int y = path[--depth];
            ancestor[y] = ancestor[p];
            if (semi[pLabel] < semi[label[y]]) label[y] = pLabel;
            else pLabel = label[y];
            p = y;
        }
        return label[v];
    }
}
