// Retained size of a heap type: the bytes freed if every live instance went, which is the sum of the retained sizes
// of the instances that no other instance of the same type dominates (an instance inside another's dominator subtree
// is already counted in it). One walk down the dominator tree with, per type name, how many instances of it are on
// the current path: an instance adds its retained size when that count is zero.
using HeapLens.Agent.Index;

namespace HeapLens.Agent.Retention;

public static class TypeRetention
{
    /// <summary>
    /// Per position of <paramref name="nameOf"/>'s result (0..names-1), the type's retained bytes; and one bit per
    /// object, set when another instance of its type dominates it (its retained size is inside that one's).
    /// </summary>
    public static (long[] Retained, ulong[] Nested) Compute(DominatorTree tree, Func<int, int> nameOf, int names, CancellationToken cancellation)
    {
        int n = tree.Count;
        // The dominator tree's children as CSR; the artificial root is node n.
        var start = new int[n + 2];
        for (int v = 0; v < n; v++)
        {
            int d = tree.ImmediateDominator(v);
            if (d == DominatorTree.Unreachable) continue;
            start[(d == DominatorTree.TopLevel ? n : d) + 1]++;
        }
        for (int v = 0; v <= n; v++) start[v + 1] += start[v];
        // Each child at its parent's cursor; the cursors end one list further on, so shifting them back by one gives
        // the starts again without a second array.
        int[] children = GC.AllocateUninitializedArray<int>(start[n + 1]);
        for (int v = 0; v < n; v++)
        {
            int d = tree.ImmediateDominator(v);
            if (d == DominatorTree.Unreachable) continue;
            children[start[d == DominatorTree.TopLevel ? n : d]++] = v;
        }
        for (int v = n + 1; v > 0; v--) start[v] = start[v - 1];
        start[0] = 0;

        var retained = new long[names];
        var nested = new ulong[(n + 63) / 64];
        var onPath = new int[names];
        var stackNode = new int[1024];
        var stackNext = new int[1024];
        int top = 0;
        stackNode[0] = n;
        stackNext[0] = start[n];
        long steps = 0;
        while (top >= 0)
        {
            int v = stackNode[top];
            int k = stackNext[top];
            if (k < start[v + 1])
            {
                stackNext[top] = k + 1;
                int child = children[k];
                if ((++steps & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
                int t = nameOf(child);
                if (t >= 0)
                {
                    if (onPath[t] == 0) retained[t] += tree.RetainedBytes(child);
                    else nested[child >> 6] |= 1UL << (child & 63);
                    onPath[t]++;
                }
                if (++top == stackNode.Length)
                {
                    Array.Resize(ref stackNode, top * 2);
                    Array.Resize(ref stackNext, top * 2);
                }
                stackNode[top] = child;
                stackNext[top] = start[child];
            }
            else
            {
                if (v < n)
                {
                    int t = nameOf(v);
                    if (t >= 0) onPath[t]--;
                }
                top--;
            }
        }
        return (retained, nested);
    }
}
