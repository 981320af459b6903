// Per object, the number of its heap type. Two bytes per object while the snapshot has fewer than 65,536 types
// (nearly always); four bytes per object when it has more.
namespace HeapLens.Agent.Index;

public sealed class TypeColumn
{
    private readonly ushort[]? _narrow;
    private readonly int[]? _wide;

    private TypeColumn(ushort[]? narrow, int[]? wide)
    {
        _narrow = narrow;
        _wide = wide;
    }

    public int Length => _narrow?.Length ?? _wide!.Length;

    /// <summary>The column's array, two or four bytes per object (for the index cache).</summary>
    internal ushort[]? Narrow => _narrow;

    internal int[]? Wide => _wide;

    internal static TypeColumn Restore(ushort[]? narrow, int[]? wide) => new(narrow, wide);

    public long MemoryBytes => _narrow is not null ? 2L * _narrow.Length : 4L * _wide!.Length;

    public int this[int i] => _narrow is not null ? _narrow[i] : _wide![i];

    /// <summary>Collects the column during the heap walk, in object order.</summary>
    public sealed class Builder
    {
        private ChunkedList<ushort>? _narrow = new();
        private ChunkedList<int>? _wide;

        public long Count => _narrow?.Count ?? _wide!.Count;

        public void Add(int type)
        {
            if (_narrow is not null)
            {
                if (type <= ushort.MaxValue)
                {
                    _narrow.Add((ushort)type);
                    return;
                }
                Widen();
            }
            _wide!.Add(type);
        }

        public TypeColumn Build() => _narrow is not null ? new TypeColumn(_narrow.ToArrayAndClear(), null) : new TypeColumn(null, _wide!.ToArrayAndClear());

        private void Widen()
        {
            var wide = new ChunkedList<int>();
            for (long i = 0; i < _narrow!.Count; i++) wide.Add(_narrow[i]);
            _narrow = null;
            _wide = wide;
        }
    }
}
