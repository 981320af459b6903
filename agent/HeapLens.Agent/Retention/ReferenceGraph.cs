// The one seam between the dominator tree, the shortest-path tree and liveness on one side and the heap index on the
// other: the index's forward and reverse references as CSR arrays of object numbers. Whoever changes how or when the
// index builds those arrays changes this file only.
using HeapLens.Agent.Index;

namespace HeapLens.Agent.Retention;

public readonly struct ReferenceGraph
{
    public ReferenceGraph(HeapIndex index)
        : this(index.RefStart, index.Refs, index.BackStart, index.Back)
    {
    }

    /// <summary>Any graph in the same form (the property tests build random ones).</summary>
    public ReferenceGraph(int[] refStart, int[] refs, int[] backStart, int[] back)
    {
        Count = refStart.Length - 1;
        RefStart = refStart;
        Refs = refs;
        BackStart = backStart;
        Back = back;
    }

    public int Count { get; }

    /// <summary>The objects that object i refers to are Refs[RefStart[i]..RefStart[i+1]].</summary>
    public int[] RefStart { get; }

    public int[] Refs { get; }

    /// <summary>The objects that refer to object i are Back[BackStart[i]..BackStart[i+1]].</summary>
    public int[] BackStart { get; }

    public int[] Back { get; }
}
