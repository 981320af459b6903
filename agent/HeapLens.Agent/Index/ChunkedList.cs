// An append-only list in fixed 1M-element chunks: growing it never copies what is already stored, so a heap walk
// of tens of millions of objects does not need twice its memory while it collects them.
namespace HeapLens.Agent.Index;

public sealed class ChunkedList<T>
    where T : unmanaged
{
    private const int Shift = 20;
    private const int ChunkSize = 1 << Shift;
    private const int Mask = ChunkSize - 1;
    private readonly List<T[]> _chunks = new();
    private T[]? _current;
    private int _used = ChunkSize;

    public long Count { get; private set; }

    public void Add(T value)
    {
        if (_used == ChunkSize)
        {
            _current = new T[ChunkSize];
            _chunks.Add(_current);
            _used = 0;
        }
        _current![_used++] = value;
        Count++;
    }

    public T this[long index] => _chunks[(int)(index >> Shift)][index & Mask];

    /// <summary>Copies everything into one exact-size array (and lets the chunks go).</summary>
    public T[] ToArrayAndClear()
    {
        if (Count > Array.MaxLength) throw new InvalidOperationException($"More than {Array.MaxLength:N0} entries: the heap is too large to index.");
        var result = new T[Count];
        long at = 0;
        for (int c = 0; c < _chunks.Count; c++)
        {
            int n = (int)Math.Min(ChunkSize, Count - at);
            Array.Copy(_chunks[c], 0, result, at, n);
            _chunks[c] = null!; // each chunk can go as soon as it is copied
            at += n;
        }
        _chunks.Clear();
        _current = null;
        _used = ChunkSize;
        Count = 0;
        return result;
    }
}
