// Walks over the snapshot's reference graph for insights: which objects the roots reach, and which objects a set
// of objects alone keeps alive. Reads the index's forward (RefStart/Refs) and reverse (BackStart/Back) references
// only here, so a change of the index's layout touches this file alone.
using HeapLens.Agent.Index;

namespace HeapLens.Agent.Insights;

public static class HeapGraph
{
    private const int CancellationCheckEvery = 1 << 16;

    /// <summary>Marks every object reachable from the starts, never entering (nor passing through) a blocked object.</summary>
    public static bool[] Reach(HeapIndex index, IEnumerable<int> starts, Func<int, bool>? blocked, CancellationToken cancellation)
    {
        var marked = new bool[index.Count];
        var stack = new Stack<int>();
        foreach (int start in starts)
        {
            if (start < 0 || marked[start] || (blocked?.Invoke(start) ?? false)) continue;
            marked[start] = true;
            stack.Push(start);
        }
        Drain(index, marked, stack, blocked, cancellation);
        return marked;
    }

    /// <summary>
    /// What the given objects alone keep alive: the objects reachable from the targets that the roots no longer reach
    /// once the blocked objects (the references being judged, e.g. an event's delegates) are taken away.
    /// </summary>
    public static (long Objects, long Bytes) KeptAlive(HeapIndex index, IEnumerable<int> roots, IReadOnlyCollection<int> targets, HashSet<int> blocked, CancellationToken cancellation)
    {
        bool[] stillReached = Reach(index, roots, blocked.Contains, cancellation);
        var kept = new bool[index.Count];
        var stack = new Stack<int>();
        foreach (int target in targets)
        {
            if (target < 0 || stillReached[target] || kept[target] || blocked.Contains(target)) continue;
            kept[target] = true;
            stack.Push(target);
        }
        long objects = 0;
        long bytes = 0;
        int steps = 0;
        while (stack.Count > 0)
        {
            if ((++steps & (CancellationCheckEvery - 1)) == 0) cancellation.ThrowIfCancellationRequested();
            int node = stack.Pop();
            objects++;
            bytes += (long)index.SizeOf(node);
            for (int k = index.RefStart[node]; k < index.RefStart[node + 1]; k++)
            {
                int child = index.Refs[k];
                if (kept[child] || stillReached[child] || blocked.Contains(child)) continue;
                kept[child] = true;
                stack.Push(child);
            }
        }
        return (objects, bytes);
    }

    /// <summary>The objects that refer to object i.</summary>
    public static IEnumerable<int> Referrers(HeapIndex index, int i)
    {
        for (int k = index.BackStart[i]; k < index.BackStart[i + 1]; k++) yield return index.Back[k];
    }

    private static void Drain(HeapIndex index, bool[] marked, Stack<int> stack, Func<int, bool>? blocked, CancellationToken cancellation)
    {
        int steps = 0;
        while (stack.Count > 0)
        {
            if ((++steps & (CancellationCheckEvery - 1)) == 0) cancellation.ThrowIfCancellationRequested();
            int node = stack.Pop();
            for (int k = index.RefStart[node]; k < index.RefStart[node + 1]; k++)
            {
                int child = index.Refs[k];
                if (marked[child] || (blocked?.Invoke(child) ?? false)) continue;
                marked[child] = true;
                stack.Push(child);
            }
        }
    }
}
