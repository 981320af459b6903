// Per object, its size in bytes. Two bytes per object: sizes of 65,535 bytes and more (large arrays and strings,
// few by count) are kept apart, by object number.
namespace HeapLens.Agent.Index;

public sealed class SizeColumn
{
    private const ushort Large = ushort.MaxValue;
    private readonly ushort[] _small;
    private readonly Dictionary<int, ulong> _large;

    private SizeColumn(ushort[] small, Dictionary<int, ulong> large)
    {
        _small = small;
        _large = large;
    }

    public int Length => _small.Length;

    /// <summary>For the index cache: the two-byte sizes, and the large ones by object number.</summary>
    internal ushort[] Small => _small;

    internal IReadOnlyDictionary<int, ulong> LargeSizes => _large;

    internal static SizeColumn Restore(ushort[] small, Dictionary<int, ulong> large) => new(small, large);

    /// <summary>Two bytes per object, and about 24 per large one (a dictionary entry).</summary>
    public long MemoryBytes => 2L * _small.Length + 24L * _large.Count;

    public ulong this[int i] => _small[i] != Large ? _small[i] : _large[i];

    /// <summary>Collects the column during the heap walk, in object order.</summary>
    public sealed class Builder
    {
        private readonly ChunkedList<ushort> _small = new();
        private readonly Dictionary<int, ulong> _large = new();

        public void Add(ulong size)
        {
            if (size < Large)
            {
                _small.Add((ushort)size);
                return;
            }
            _large[(int)_small.Count] = size;
            _small.Add(Large);
        }

        /// <summary>Moves other's sizes to the end of this column (other is left empty).</summary>
        public void Append(Builder other)
        {
            long offset = _small.Count;
            foreach ((int at, ulong size) in other._large) _large[(int)(at + offset)] = size;
            other._large.Clear();
            _small.Append(other._small);
        }

        public SizeColumn Build() => new(_small.ToArrayAndClear(), _large);
    }
}
