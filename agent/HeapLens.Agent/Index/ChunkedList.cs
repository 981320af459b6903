// An append-only list in fixed 1M-element chunks: growing it never copies what is already stored, so a heap walk
// of tens of millions of objects does not need twice its memory while it collects them. Chunks can be read and
// released one at a time, so turning the list into something else never holds both in full.
namespace HeapLens.Agent.Index;

public sealed class ChunkedList<T>
    where T : unmanaged
{
    public const int Shift = 20;
    public const int ChunkSize = 1 << Shift;
    private const int Mask = ChunkSize - 1;
    private readonly List<T[]?> _chunks = new();
    private T[]? _current;
    private int _used = ChunkSize;

    public long Count { get; private set; }

    public int ChunkCount => _chunks.Count;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(T value)
    {
        if (_used == ChunkSize)
        {
            // Uninitialized: every element is written before it is read, and zeroing 4 MB at a time is not free.
            _current = GC.AllocateUninitializedArray<T>(ChunkSize);
            _chunks.Add(_current);
            _used = 0;
        }
        _current![_used++] = value;
        Count++;
    }

    public T this[long index] => _chunks[(int)(index >> Shift)]![index & Mask];

    /// <summary>Chunk c (its first <see cref="LengthOf"/> elements are used); null once released.</summary>
    public T[]? Chunk(int c) => _chunks[c];

    public int LengthOf(int c) => (int)Math.Min(ChunkSize, Count - ((long)c << Shift));

    /// <summary>Lets chunk c go (the garbage collector reclaims it); reading it afterwards fails.</summary>
    public void Release(int c)
    {
        if (ReferenceEquals(_chunks[c], _current)) _current = null;
        _chunks[c] = null;
    }

    /// <summary>Copies everything into one exact-size array (and lets the chunks go).</summary>
    public T[] ToArrayAndClear()
    {
        if (Count > Array.MaxLength) throw new InvalidOperationException($"More than {Array.MaxLength:N0} entries: the heap is too large to index.");
        T[] result = GC.AllocateUninitializedArray<T>((int)Count);
        long at = 0;
        for (int c = 0; c < _chunks.Count; c++)
        {
            int n = LengthOf(c);
            Array.Copy(_chunks[c]!, 0, result, at, n);
            _chunks[c] = null; // each chunk can go as soon as it is copied
            at += n;
        }
        _chunks.Clear();
        _current = null;
        _used = ChunkSize;
        Count = 0;
        return result;
    }
}
