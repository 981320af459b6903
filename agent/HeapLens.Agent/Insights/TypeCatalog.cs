// The ClrMD type behind each type number of the index, found through the type's first instance (the index keeps
// names, not ClrType objects), and which of them are delegates or strings.
using HeapLens.Agent.Index;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public sealed class TypeCatalog
{
    private readonly ClrType?[] _types;

    private TypeCatalog(ClrType?[] types)
    {
        _types = types;
    }

    public static TypeCatalog Build(Snapshot snapshot)
    {
        HeapIndex index = snapshot.Index;
        int count = index.Types.Count;
        var first = new int[count];
        Array.Fill(first, -1);
        TypeColumn typeOf = index.TypeOf;
        int missing = count;
        for (int i = 0; i < typeOf.Length && missing > 0; i++)
        {
            if (first[typeOf[i]] >= 0) continue;
            first[typeOf[i]] = i;
            missing--;
        }
        var types = new ClrType?[count];
        for (int t = 0; t < count; t++)
        {
            if (first[t] >= 0 && !index.Types.IsFree(t)) types[t] = snapshot.Heap.GetObjectType(index.Addresses[first[t]]);
        }
        return new TypeCatalog(types);
    }

    public ClrType? this[int type] => _types[type];

    public int Count => _types.Length;

    /// <summary>Type numbers whose ClrType satisfies the test.</summary>
    public IEnumerable<int> Where(Func<ClrType, bool> test)
    {
        for (int t = 0; t < _types.Length; t++)
        {
            if (_types[t] is ClrType type && test(type)) yield return t;
        }
    }

    public static bool IsDelegate(ClrType type)
    {
        for (ClrType? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.Name == "System.MulticastDelegate") return true;
        }
        return false;
    }
}
