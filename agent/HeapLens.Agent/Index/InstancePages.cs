// Pages of a heap type's instances without a list of every instance: for each type, the object number of every
// 64th instance (of every instance when a type has 64 or fewer), so a page deep into millions of instances starts
// scanning at most 63 instances before its first one instead of at the first object of the heap.
namespace HeapLens.Agent.Index;

public sealed class InstancePages
{
    public const int Stride = 64;
    private readonly int[] _first;
    private readonly int[] _marks;
    private readonly long[] _counts;

    private InstancePages(int[] first, int[] marks, long[] counts)
    {
        _first = first;
        _marks = marks;
        _counts = counts;
    }

    public long MemoryBytes => 4L * (_first.Length + _marks.Length) + 8L * _counts.Length;

    /// <summary>One pass over the type column.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static InstancePages Build(TypeColumn typeOf, long[] counts, CancellationToken cancellation)
    {
        int types = counts.Length;
        var first = new int[types + 1];
        long total = 0;
        for (int t = 0; t < types; t++)
        {
            first[t] = (int)total;
            total += Marks(counts[t]);
        }
        if (total > Array.MaxLength) throw new InvalidOperationException("Too many heap types and instances to index.");
        first[types] = (int)total;
        int[] marks = GC.AllocateUninitializedArray<int>((int)total);
        var seen = new int[types];
        for (int i = 0; i < typeOf.Length; i++)
        {
            if ((i & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            int t = typeOf[i];
            int k = seen[t]++;
            if (counts[t] <= Stride) marks[first[t] + k] = i;
            else if (k % Stride == 0) marks[first[t] + k / Stride] = i;
        }
        return new InstancePages(first, marks, counts);
    }

    /// <summary>Object numbers of a type's instances in address order, skipping the first <paramref name="skip"/>.</summary>
    public List<int> Of(int type, TypeColumn typeOf, long skip, int take, CancellationToken cancellation)
    {
        long count = _counts[type];
        var found = new List<int>((int)Math.Min(take, Math.Max(0, count - skip)));
        if (skip >= count || take <= 0) return found;
        int[] marks = _marks;
        int first = _first[type];
        if (count <= Stride)
        {
            for (long k = skip; k < count && found.Count < take; k++) found.Add(marks[first + k]);
            return found;
        }
        long seen = skip / Stride * Stride;
        int i = marks[first + (int)(skip / Stride)];
        for (int n = typeOf.Length; i < n && found.Count < take; i++)
        {
            if ((i & 0xfffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (typeOf[i] != type) continue;
            if (seen++ >= skip) found.Add(i);
        }
        return found;
    }

    private static long Marks(long count) => count <= Stride ? count : (count + Stride - 1) / Stride;
}
