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

    /// <summary>
    /// Moves every element of other to the end of this list and leaves other empty. Other's chunks are kept: when
    /// this list ends part-way through a chunk, other's elements first fill that chunk and the rest move down in
    /// their own chunks, so joining costs one pass over other's elements (in memory already touched) and no new chunk.
    /// </summary>
    public void Append(ChunkedList<T> other)
    {
        long moving = other.Count;
        List<T[]?> chunks = other._chunks;
        if (moving == 0)
        {
            // Nothing to move.
        }
        else if (_used == ChunkSize)
        {
            // This list is empty or ends on a chunk boundary: other's chunks follow as they are.
            _chunks.AddRange(chunks);
            _current = other._current;
            _used = other._used;
        }
        else
        {
            int free = ChunkSize - _used;
            int head = (int)Math.Min(free, moving);
            Array.Copy(chunks[0]!, 0, _current!, _used, head);
            _used += head;
            // Other's element e (from `free` on) moves to place e - free of other's own chunks.
            long left = moving - head;
            int kept = (int)((left + ChunkSize - 1) >> Shift);
            for (int m = 0; m < kept; m++)
            {
                T[] target = chunks[m]!;
                long first = ((long)m << Shift) + free;
                int fromSame = (int)Math.Min(ChunkSize - free, moving - first);
                Array.Copy(target, free, target, 0, fromSame);
                long nextStart = (long)(m + 1) << Shift;
                if (moving > nextStart) Array.Copy(chunks[m + 1]!, 0, target, ChunkSize - free, (int)Math.Min(free, moving - nextStart));
                _chunks.Add(target);
            }
            if (kept > 0)
            {
                _current = chunks[kept - 1];
                _used = (int)(left - ((long)(kept - 1) << Shift));
            }
        }
        Count += moving;
        chunks.Clear();
        other._current = null;
        other._used = ChunkSize;
        other.Count = 0;
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
