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

        /// <summary>Gives every entry t the number map[t] (the heap walk's runs number types their own way until they are joined).</summary>
        public void Renumber(int[] map)
        {
            bool same = true;
            int highest = 0;
            for (int t = 0; t < map.Length; t++)
            {
                same &= map[t] == t;
                highest = Math.Max(highest, map[t]);
            }
            if (same) return;
            if (_narrow is not null && highest > ushort.MaxValue) Widen();
            if (_narrow is not null)
            {
                for (int c = 0; c < _narrow.ChunkCount; c++)
                {
                    ushort[] chunk = _narrow.Chunk(c)!;
                    for (int k = 0, n = _narrow.LengthOf(c); k < n; k++) chunk[k] = (ushort)map[chunk[k]];
                }
                return;
            }
            for (int c = 0; c < _wide!.ChunkCount; c++)
            {
                int[] chunk = _wide.Chunk(c)!;
                for (int k = 0, n = _wide.LengthOf(c); k < n; k++) chunk[k] = map[chunk[k]];
            }
        }

        /// <summary>Moves other's entries to the end of this column (other is left empty).</summary>
        public void Append(Builder other)
        {
            if (_narrow is not null && other._narrow is null) Widen();
            if (_narrow is null && other._narrow is not null) other.Widen();
            if (_narrow is not null) _narrow.Append(other._narrow!);
            else _wide!.Append(other._wide!);
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
