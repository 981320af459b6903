// Turns an address into an object number and back without storing an address per object. The GC heap's object
// ranges (its segments, in address order) are laid end to end and get one bit per pointer-size step (objects start
// on pointer-size boundaries); a set bit marks where an object starts. Object numbers follow address order, so the
// number of an object is the count of set bits before its own (rank, from a running count per 512 bits), and an
// object's address is found by counting forward from the nearest of every 64th object's recorded position (select).
// For objects of 80 bytes on average that is about 1.7 bytes per object, where an address array takes 8.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace HeapLens.Agent.Index;

public sealed class AddressMap
{
    private const int WordsPerBlock = 8;
    private const int SampleShift = 6;

    /// <summary>Bytes per bit: the target's pointer size.</summary>
    private readonly int _granularity;
    private readonly int _granularityShift;
    private readonly ulong[] _segmentStart;
    private readonly ulong[] _segmentEnd;
    private readonly long[] _segmentFirstBit;
    private readonly ulong _lowest;
    private readonly int _granuleShift;
    // For each granule of address space (4 MB or more) from the lowest segment on: the first segment that ends
    // after the granule's start. Finding the segment of an address is then one lookup and a step or two.
    private readonly int[] _granuleSegment;
    private readonly ulong[] _bits;
    private uint[] _blockRank = Array.Empty<uint>();
    private int[] _sampleWord = Array.Empty<int>();
    // One bit per word of _bits, set when that word marks any object. A large object leaves thousands of empty words
    // behind it (an 80 MB array: 160,000), which select and the backward search skip 64 words at a time through it.
    private ulong[] _nonEmpty = Array.Empty<ulong>();

    /// <summary>What the map holds in memory, in bytes (the agent's memory budget counts it).</summary>
    public long MemoryBytes =>
        8L * (_bits.Length + _segmentStart.Length + _segmentEnd.Length + _segmentFirstBit.Length) + 4L * (_granuleSegment.Length + _blockRank.Length + _sampleWord.Length);

    /// <summary>The bits a map of these object ranges needs (one per pointer-size step).</summary>
    public static long BitsFor(IEnumerable<(ulong Start, ulong End)> ranges, int pointerSize) =>
        ranges.Where(r => r.End > r.Start).Sum(r => (long)((r.End - r.Start + (ulong)pointerSize - 1) / (ulong)pointerSize));

    /// <summary>The object ranges of the heap's segments; they are sorted here and must not overlap.</summary>
    public AddressMap(IEnumerable<(ulong Start, ulong End)> ranges, int pointerSize)
    {
        if (pointerSize is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(pointerSize), $"Pointers of {pointerSize} bytes are not supported.");
        _granularity = pointerSize;
        _granularityShift = pointerSize == 8 ? 3 : 2;
        var sorted = ranges.Where(r => r.End > r.Start).OrderBy(r => r.Start).ToArray();
        int n = sorted.Length;
        _segmentStart = new ulong[n];
        _segmentEnd = new ulong[n];
        _segmentFirstBit = new long[n + 1];
        long bit = 0;
        for (int s = 0; s < n; s++)
        {
            if (s > 0 && sorted[s].Start < sorted[s - 1].End)
                throw new HeapLens.Agent.Rpc.AgentException(HeapLens.Agent.Rpc.ErrorCodes.DumpUnreadable, $"The GC heap's segments overlap at 0x{sorted[s].Start:x}: the dump is damaged; capture it again.");
            _segmentStart[s] = sorted[s].Start;
            _segmentEnd[s] = sorted[s].End;
            _segmentFirstBit[s] = bit;
            bit += (long)((sorted[s].End - sorted[s].Start + (ulong)_granularity - 1) >> _granularityShift);
        }
        _segmentFirstBit[n] = bit;
        BitCount = bit;
        _bits = new ulong[(bit + 63) / 64 + 1];

        _lowest = n > 0 ? _segmentStart[0] : 0;
        ulong span = n > 0 ? _segmentEnd[n - 1] - _lowest : 0;
        _granuleShift = 22;
        while ((span >> _granuleShift) >= 1 << 20) _granuleShift++;
        _granuleSegment = new int[(int)(span >> _granuleShift) + 1];
        int at = 0;
        for (int g = 0; g < _granuleSegment.Length; g++)
        {
            ulong granuleStart = _lowest + ((ulong)g << _granuleShift);
            while (at < n && _segmentEnd[at] <= granuleStart) at++;
            _granuleSegment[g] = at;
        }
    }

    /// <summary>The object ranges the map covers, in address order (the index cache checks them against the dump's).</summary>
    public (ulong Start, ulong End)[] Ranges => _segmentStart.Zip(_segmentEnd).ToArray();

    public int PointerSize => _granularity;

    /// <summary>The raw bits: the index cache writes them, and reads them back into a fresh map before Seal.</summary>
    internal ulong[] Bits => _bits;

    /// <summary>Bits in all: one per pointer-size step of the segments' object ranges.</summary>
    public long BitCount { get; }

    /// <summary>How many objects are marked (after <see cref="Seal"/>).</summary>
    public int Count { get; private set; }

    /// <summary>The bit of an address, or -1 when it lies in no segment or is not pointer-aligned.</summary>
    public long BitOf(ulong address)
    {
        int segment = -1;
        return BitOf(address, ref segment);
    }

    /// <summary>
    /// BitOf for callers that look up many addresses in a row (the heap walk): <paramref name="segment"/> is the
    /// segment of the previous answer, tried first, because objects mostly refer to objects near them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long BitOf(ulong address, ref int segment)
    {
        if ((address & (ulong)(_granularity - 1)) != 0) return -1;
        int s = segment;
        if (s >= 0 && address - _segmentStart[s] < _segmentEnd[s] - _segmentStart[s])
            return _segmentFirstBit[s] + (long)((address - _segmentStart[s]) >> _granularityShift);
        if (address < _lowest) return -1;
        ulong granule = (address - _lowest) >> _granuleShift;
        if (granule >= (ulong)_granuleSegment.Length) return -1;
        s = _granuleSegment[granule];
        ulong[] ends = _segmentEnd;
        while (s < ends.Length && ends[s] <= address) s++;
        if (s == ends.Length || address < _segmentStart[s]) return -1;
        segment = s;
        return _segmentFirstBit[s] + (long)((address - _segmentStart[s]) >> _granularityShift);
    }

    /// <summary>Marks an object start (the walk, in address order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mark(long bit) => _bits[bit >> 6] |= 1UL << (int)(bit & 63);

    /// <summary>Marks an object start in a word that another thread may be marking at the same time (where two runs
    /// of the parallel heap walk meet).</summary>
    public void MarkShared(long bit) => Interlocked.Or(ref _bits[bit >> 6], 1UL << (int)(bit & 63));

    public bool IsMarked(long bit) => bit >= 0 && (_bits[bit >> 6] & (1UL << (int)(bit & 63))) != 0;

    /// <summary>The object number of a bit when an object starts there, else -1 (one read of the bit's word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int RankIfMarked(long bit)
    {
        int w = (int)(bit >> 6);
        ulong word = _bits[w];
        ulong mask = 1UL << (int)(bit & 63);
        if ((word & mask) == 0) return -1;
        return RankOfWord(w) + BitOperations.PopCount(word & (mask - 1));
    }

    /// <summary>Builds the rank and select tables once every object is marked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Seal()
    {
        ulong[] bits = _bits;
        var blockRank = new uint[bits.Length / WordsPerBlock + 2];
        long count = 0;
        var samples = new List<int>();
        var nonEmpty = new ulong[(bits.Length + 63) / 64];
        for (int w = 0; w < bits.Length; w++)
        {
            if (bits[w] != 0) nonEmpty[w >> 6] |= 1UL << (w & 63);
            if (w % WordsPerBlock == 0) blockRank[w / WordsPerBlock] = (uint)count;
            int c = BitOperations.PopCount(bits[w]);
            // Object j*64 lies in this word when the count crosses a multiple of 64 here.
            long nextSample = (long)samples.Count << SampleShift;
            while (nextSample < count + c)
            {
                samples.Add(w);
                nextSample += 1 << SampleShift;
            }
            count += c;
        }
        if (count > int.MaxValue) throw new InvalidOperationException($"More than {int.MaxValue:N0} objects: the heap is too large to index.");
        blockRank[^1] = (uint)count;
        _blockRank = blockRank;
        _sampleWord = samples.ToArray();
        _nonEmpty = nonEmpty;
        Count = (int)count;
    }

    /// <summary>The object number of a marked bit: how many objects start before it.</summary>
    public int Rank(long bit)
    {
        int w = (int)(bit >> 6);
        return RankOfWord(w) + BitOperations.PopCount(_bits[w] & ((1UL << (int)(bit & 63)) - 1));
    }

    /// <summary>The number of the object that starts at this address, or -1.</summary>
    public int IndexOf(ulong address)
    {
        long bit = BitOf(address);
        return IsMarked(bit) ? Rank(bit) : -1;
    }

    /// <summary>The number of the last object that starts at or before this address in its segment, or -1.</summary>
    public int IndexAtOrBefore(ulong address)
    {
        if (address < _lowest) return -1;
        ulong aligned = address & ~(ulong)(_granularity - 1);
        long bit = BitOf(aligned);
        if (bit < 0) return -1;
        int s = SegmentOfBit(bit);
        long first = _segmentFirstBit[s];
        int w = (int)(bit >> 6);
        ulong word = _bits[w] & (ulong.MaxValue >> (63 - (int)(bit & 63)));
        if (word == 0)
        {
            w = PreviousNonEmptyWord(w - 1);
            if (w < 0 || ((long)(w + 1) << 6) <= first) return -1;
            word = _bits[w];
        }
        long found = ((long)w << 6) + 63 - BitOperations.LeadingZeroCount(word);
        return found >= first ? Rank(found) : -1;
    }

    /// <summary>The address of object number i.</summary>
    public ulong AddressOf(int i)
    {
        if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i), $"No object number {i} (the snapshot has {Count:N0}).");
        int w = _sampleWord[i >> SampleShift];
        int before = RankOfWord(w);
        ulong[] bits = _bits;
        int c;
        while (before + (c = BitOperations.PopCount(bits[w])) <= i)
        {
            before += c;
            w = NextNonEmptyWord(w + 1);
        }
        int position = SelectInWord(bits[w], i - before);
        return AddressOfBit(((long)w << 6) + position);
    }

    /// <summary>Calls back with every object's number and address, in order, faster than AddressOf one by one.</summary>
    public IEnumerable<(int Index, ulong Address)> Enumerate(int from = 0)
    {
        if (from >= Count) yield break;
        ulong first = AddressOf(Math.Max(0, from));
        long bit = BitOf(first);
        int index = Math.Max(0, from);
        for (int w = (int)(bit >> 6); w < _bits.Length && index < Count; w++)
        {
            ulong word = _bits[w];
            if (w == (int)(bit >> 6)) word &= ulong.MaxValue << (int)(bit & 63);
            while (word != 0)
            {
                int position = BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                yield return (index++, AddressOfBit(((long)w << 6) + position));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int RankOfWord(int w)
    {
        int rank = (int)_blockRank[w / WordsPerBlock];
        ulong[] bits = _bits;
        for (int k = w & ~(WordsPerBlock - 1); k < w; k++) rank += BitOperations.PopCount(bits[k]);
        return rank;
    }

    private ulong AddressOfBit(long bit)
    {
        int s = SegmentOfBit(bit);
        return _segmentStart[s] + ((ulong)(bit - _segmentFirstBit[s]) << _granularityShift);
    }

    private int SegmentOfBit(long bit)
    {
        int s = Array.BinarySearch(_segmentFirstBit, bit);
        if (s < 0) s = ~s - 1;
        // Empty segments share their first bit with the next one: take the last segment that starts there.
        while (s + 1 < _segmentStart.Length && _segmentFirstBit[s + 1] <= bit) s++;
        return s;
    }

    /// <summary>The first word at or after w that marks an object (w itself when it does); past the end if none.</summary>
    private int NextNonEmptyWord(int w)
    {
        if (w >= _bits.Length || _bits[w] != 0) return w;
        ulong[] summary = _nonEmpty;
        int s = w >> 6;
        ulong word = summary[s] & (ulong.MaxValue << (w & 63));
        while (word == 0)
        {
            if (++s == summary.Length) return _bits.Length;
            word = summary[s];
        }
        return (s << 6) + BitOperations.TrailingZeroCount(word);
    }

    /// <summary>The last word at or before w that marks an object, or -1 if none.</summary>
    private int PreviousNonEmptyWord(int w)
    {
        if (w < 0 || _bits[w] != 0) return w;
        ulong[] summary = _nonEmpty;
        int s = w >> 6;
        ulong word = summary[s] & (ulong.MaxValue >> (63 - (w & 63)));
        while (word == 0)
        {
            if (--s < 0) return -1;
            word = summary[s];
        }
        return (s << 6) + 63 - BitOperations.LeadingZeroCount(word);
    }

    private static int SelectInWord(ulong word, int k)
    {
        for (; k > 0; k--) word &= word - 1;
        return BitOperations.TrailingZeroCount(word);
    }
}
