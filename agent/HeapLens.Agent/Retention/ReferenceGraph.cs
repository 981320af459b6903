// The one seam between the dominator tree, the shortest-path tree and liveness on one side and the heap index on the
// other: the index's forward and reverse references as CSR arrays of object numbers. Whoever changes how or when the
// index builds those arrays changes this file only.
using HeapLens.Agent.Index;

namespace HeapLens.Agent.Retention;

public readonly struct ReferenceGraph
{
    public ReferenceGraph(HeapIndex index)
    {
        Count = index.Count;
        RefStart = index.RefStart;
        Refs = index.Refs;
        BackStart = index.BackStart;
        Back = index.Back;
    }

    public int Count { get; }

    /// <summary>The objects that object i refers to are Refs[RefStart[i]..RefStart[i+1]].</summary>
    public int[] RefStart { get; }

    public int[] Refs { get; }

    /// <summary>The objects that refer to object i are Back[BackStart[i]..BackStart[i+1]].</summary>
    public int[] BackStart { get; }

    public int[] Back { get; }
}
