// The index cache: a snapshot's HeapIndex and its live marks (which objects a root reaches) kept in a file beside its
// dump (`<dump>.heaplens-index`, owner-only), so the next open of the same dump (a window reload, a second CLI
// command) reads the columns back instead of walking the heap, and counts the same live and unreachable objects
// without finding the roots and marking from them again. The file is only a copy, never trusted: it is used when
// its format version, the dump's size and modification time, the agent build that wrote it, the pointer size and
// every GC segment range match, when its length is what it says, and when the checksum of everything in it is
// right; anything else (truncated, stale, foreign, damaged) is logged, ignored and written again from a fresh walk.
// It is written to a temporary file that is renamed into place, so a reader never meets half a file.
// src/snapshots/indexCache.ts deletes it with the dump.
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace HeapLens.Agent.Index;

public static class IndexCache
{
    public const string Suffix = ".heaplens-index";

    /// <summary>Change whenever what the index holds, or how it is laid out here, changes.
    /// 2: the live marks (roots and one bit per object) after the index.</summary>
    private const int FormatVersion = 2;

    private static readonly byte[] Magic = "HLINDEX\0"u8.ToArray();
    private const ulong EndMark = 0x444E454E49484C48; // "HLHINEND"

    /// <summary>This build of the agent (the module's id, the same for the same sources): the format version says
    /// how the file is laid out, but what is in it (which objects are live, which references count) follows the
    /// code, so a file another build wrote is not trusted either.</summary>
    private static readonly byte[] BuildId = typeof(IndexCache).Assembly.ManifestModule.ModuleVersionId.ToByteArray();

    public static string PathFor(string dumpPath) => dumpPath + Suffix;

    /// <summary>What a trusted cache file gives: the index, the root objects (ascending) and the live bits.</summary>
    public sealed record Cached(HeapIndex Index, int[] LiveRoots, ulong[] LiveBits);

    /// <summary>The index stored beside this dump, or null (with the reason logged) when there is none to trust.</summary>
    public static Cached? TryRead(string dumpPath, (ulong Start, ulong End)[] ranges, int pointerSize, CancellationToken cancellation)
    {
        string path = PathFor(dumpPath);
        if (!File.Exists(path)) return null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
            var reader = new Reader(stream);
            if (!reader.Bytes(Magic.Length).SequenceEqual(Magic)) return Reject(path, "it is not a HeapLens index file");
            int version = reader.Int32();
            if (version != FormatVersion) return Reject(path, $"it has format {version}, this agent writes {FormatVersion}");
            long length = (long)reader.UInt64();
            if (length != stream.Length) return Reject(path, $"it is truncated ({stream.Length:N0} of {length:N0} bytes)");
            var dump = new FileInfo(dumpPath);
            long dumpSize = reader.Int64();
            long dumpTime = reader.Int64();
            if (dumpSize != dump.Length || dumpTime != dump.LastWriteTimeUtc.Ticks) return Reject(path, "the dump changed after it was written (size or time)");
            if (!reader.Bytes(16).SequenceEqual(BuildId)) return Reject(path, "another build of the agent wrote it (what it counts as live may differ)");
            if (reader.Int32() != pointerSize) return Reject(path, "it belongs to another dump (pointer size)");
            ulong[] storedRanges = reader.Array<ulong>();
            if (!storedRanges.SequenceEqual(ranges.SelectMany(r => new[] { r.Start, r.End }))) return Reject(path, "it belongs to another dump (GC segments)");

            cancellation.ThrowIfCancellationRequested();
            // Where a reopen's time goes (the agent's log): on a machine where fresh memory is slow to fault in, filling
            // new arrays from the page cache costs more than the reading itself.
            var clock = Stopwatch.StartNew();
            var map = new AddressMap(ranges, pointerSize);
            reader.Into(map.Bits);
            int count = reader.Int32();
            ulong[] methodTables = reader.Array<ulong>();
            string[] names = reader.Strings();
            bool[] free = reader.Array<byte>().Select(b => b != 0).ToArray();
            long[] counts = reader.Array<long>();
            long[] bytes = reader.Array<long>();
            bool narrow = reader.Int32() != 0;
            ushort[]? narrowTypes = narrow ? reader.Array<ushort>() : null;
            int[]? wideTypes = narrow ? null : reader.Array<int>();
            ushort[] small = reader.Array<ushort>();
            int[] largeAt = reader.Array<int>();
            ulong[] largeSize = reader.Array<ulong>();
            cancellation.ThrowIfCancellationRequested();
            int[] refStart = reader.Array<int>();
            int[] refs = reader.Array<int>();
            int[] backStart = reader.Array<int>();
            int[] back = reader.Array<int>();
            long[] heapTotals = reader.Array<long>();
            bool isServer = reader.Int32() != 0;
            int[] liveRoots = reader.Array<int>();
            ulong[] liveBits = reader.Array<ulong>();
            ulong checksum = reader.Checksum;
            if (reader.UInt64() != checksum || reader.UInt64() != EndMark) return Reject(path, "its checksum is wrong (the file is damaged)");

            // The checksum vouches for the bytes; these vouch that the bytes make an index of `count` objects.
            long readMs = clock.ElapsedMilliseconds;
            map.Seal();
            long sealMs = clock.ElapsedMilliseconds;
            int typeCount = names.Length;
            bool consistent = map.Count == count
                && methodTables.Length == typeCount && free.Length == typeCount && counts.Length == typeCount && bytes.Length == typeCount
                && (narrowTypes?.Length ?? wideTypes!.Length) == count && small.Length == count && largeAt.Length == largeSize.Length
                && refStart.Length == count + 1 && refStart[0] == 0 && refStart[count] == refs.Length
                && backStart.Length == count + 1 && backStart[0] == 0 && backStart[count] == back.Length && back.Length == refs.Length
                && heapTotals.Length % 7 == 0
                && liveBits.Length == (count + 63) / 64 && (count % 64 == 0 || liveBits[^1] >> (count % 64) == 0)
                && liveRoots.Length <= count && liveRoots.All(r => (uint)r < (uint)count && (liveBits[r >> 6] & (1UL << (r & 63))) != 0);
            if (!consistent) return Reject(path, "its parts do not fit together");

            var large = new Dictionary<int, ulong>(largeAt.Length);
            for (int k = 0; k < largeAt.Length; k++) large[largeAt[k]] = largeSize[k];
            var heaps = new GenerationTotals[heapTotals.Length / 7];
            for (int h = 0; h < heaps.Length; h++)
            {
                ReadOnlySpan<long> t = heapTotals.AsSpan(h * 7, 7);
                heaps[h] = new GenerationTotals { Index = (int)t[0], Gen0 = t[1], Gen1 = t[2], Gen2 = t[3], Loh = t[4], Poh = t[5], Free = t[6] };
            }
            TypeTable types = TypeTable.Restore(methodTables, names, free, counts, bytes);
            _ = types.Totals;
            TypeColumn typeOf = TypeColumn.Restore(narrowTypes, wideTypes);
            long restoreMs = clock.ElapsedMilliseconds;
            InstancePages pages = InstancePages.Build(typeOf, counts, cancellation);
            Log.Info($"Index cache {path}: read {readMs} ms (into new arrays {reader.ReadMs} ms, checksum {reader.ChecksumMs} ms), address map {sealMs - readMs} ms, columns {restoreMs - sealMs} ms, pages {clock.ElapsedMilliseconds - restoreMs} ms.");
            var index = new HeapIndex(map, typeOf, SizeColumn.Restore(small, large), types, refStart, refs, backStart, back, pages, heaps, isServer);
            return new Cached(index, liveRoots, liveBits);
        }
        catch (EndOfStreamException)
        {
            return Reject(path, "it ends early (truncated)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or OutOfMemoryException or OverflowException)
        {
            return Reject(path, $"it could not be read ({ex.Message})");
        }
    }

    /// <summary>Writes the index and its live marks beside the dump (owner-only); a failure is logged and costs only
    /// the next open.</summary>
    public static void Write(string dumpPath, HeapIndex index, int[] liveRoots, ulong[] liveBits)
    {
        string path = PathFor(dumpPath);
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            var dump = new FileInfo(dumpPath);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temporary, options))
            {
                var writer = new Writer(stream);
                writer.Bytes(Magic);
                writer.Int32(FormatVersion);
                writer.UInt64(0); // the file's length, filled in at the end (outside the checksum)
                writer.Int64(dump.Length);
                writer.Int64(dump.LastWriteTimeUtc.Ticks);
                writer.Bytes(BuildId);
                writer.Int32(index.Map.PointerSize);
                writer.Array<ulong>(index.Map.Ranges.SelectMany(r => new[] { r.Start, r.End }).ToArray());
                writer.Raw<ulong>(index.Map.Bits);
                writer.Int32(index.Count);
                TypeTable types = index.Types;
                writer.Array<ulong>(types.MethodTables());
                writer.Strings(Enumerable.Range(0, types.Count).Select(types.NameOf).ToArray());
                writer.Array<byte>(Enumerable.Range(0, types.Count).Select(t => types.IsFree(t) ? (byte)1 : (byte)0).ToArray());
                writer.Array<long>(types.Counts);
                writer.Array<long>(types.Bytes);
                writer.Int32(index.TypeOf.Narrow is not null ? 1 : 0);
                if (index.TypeOf.Narrow is not null) writer.Array<ushort>(index.TypeOf.Narrow);
                else writer.Array<int>(index.TypeOf.Wide!);
                writer.Array<ushort>(index.Sizes.Small);
                var large = index.Sizes.LargeSizes.OrderBy(p => p.Key).ToArray();
                writer.Array<int>(large.Select(p => p.Key).ToArray());
                writer.Array<ulong>(large.Select(p => p.Value).ToArray());
                writer.Array<int>(index.RefStart);
                writer.Array<int>(index.Refs);
                writer.Array<int>(index.BackStart);
                writer.Array<int>(index.Back);
                writer.Array<long>(index.Heaps.SelectMany(h => new[] { h.Index, h.Gen0, h.Gen1, h.Gen2, h.Loh, h.Poh, h.Free }).ToArray());
                writer.Int32(index.IsServer ? 1 : 0);
                writer.Array<int>(liveRoots);
                writer.Array<ulong>(liveBits);
                ulong checksum = writer.Checksum;
                writer.UInt64(checksum);
                writer.UInt64(EndMark);
                long length = stream.Position;
                stream.Position = Magic.Length + sizeof(int);
                stream.Write(BitConverter.GetBytes(length));
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Warn($"The index of {dumpPath} was not kept beside it ({ex.Message}); the next open walks the heap again.");
            TryDelete(temporary);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static Cached? Reject(string path, string why)
    {
        Log.Warn($"Ignoring the index cache {path}: {why}. The heap is indexed again and the file rewritten.");
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Warn($"Could not delete {path}: {ex.Message}");
        }
    }

    /// <summary>A 64-bit checksum over everything written or read, four words at a time (so it runs near memory speed).</summary>
    private struct Checksummer
    {
        private const ulong Prime = 0x9E3779B97F4A7C15;
        private ulong _a, _b, _c, _d;
        private long _bytes;

        public void Add(ReadOnlySpan<byte> data)
        {
            _bytes += data.Length;
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
            int k = 0;
            for (; k + 4 <= words.Length; k += 4)
            {
                _a = BitOperations.RotateLeft(_a ^ words[k], 31) * Prime;
                _b = BitOperations.RotateLeft(_b ^ words[k + 1], 31) * Prime;
                _c = BitOperations.RotateLeft(_c ^ words[k + 2], 31) * Prime;
                _d = BitOperations.RotateLeft(_d ^ words[k + 3], 31) * Prime;
            }
            for (; k < words.Length; k++) _a = BitOperations.RotateLeft(_a ^ words[k], 31) * Prime;
            foreach (byte b in data[(words.Length * 8)..]) _b = BitOperations.RotateLeft(_b ^ b, 31) * Prime;
        }

        public readonly ulong Value => (BitOperations.RotateLeft(_a, 1) ^ BitOperations.RotateLeft(_b, 7) ^ BitOperations.RotateLeft(_c, 13) ^ BitOperations.RotateLeft(_d, 19) ^ (ulong)_bytes) * Prime;
    }

    private sealed class Writer
    {
        private readonly Stream _stream;
        private Checksummer _sum;

        public Writer(Stream stream) => _stream = stream;

        public ulong Checksum => _sum.Value;

        public void Bytes(ReadOnlySpan<byte> data)
        {
            _sum.Add(data);
            _stream.Write(data);
        }

        public void Int32(int value) => Bytes(BitConverter.GetBytes(value));

        public void Int64(long value) => Bytes(BitConverter.GetBytes(value));

        /// <summary>Outside the checksum (the file's length, the checksum itself).</summary>
        public void UInt64(ulong value) => _stream.Write(BitConverter.GetBytes(value));

        public void Array<T>(T[] values)
            where T : unmanaged
        {
            Int64(values.Length);
            Raw<T>(values);
        }

        /// <summary>Elements only: the reader knows how many.</summary>
        public void Raw<T>(T[] values)
            where T : unmanaged
        {
            ReadOnlySpan<byte> data = MemoryMarshal.AsBytes(values.AsSpan());
            // In pieces, so the checksum reads each piece while it is still in the cache.
            for (int at = 0; at < data.Length; at += 1 << 20) Bytes(data.Slice(at, Math.Min(1 << 20, data.Length - at)));
        }

        public void Strings(string[] values)
        {
            Int64(values.Length);
            foreach (string s in values) Array(Encoding.UTF8.GetBytes(s));
        }
    }

    private sealed class Reader
    {
        private readonly Stream _stream;
        private Checksummer _sum;

        public Reader(Stream stream) => _stream = stream;

        public ulong Checksum => _sum.Value;

        private long _readTicks;
        private long _checksumTicks;

        /// <summary>Time spent in reads (page faults on the new arrays included) and in the checksum.</summary>
        public long ReadMs => _readTicks * 1000 / Stopwatch.Frequency;

        public long ChecksumMs => _checksumTicks * 1000 / Stopwatch.Frequency;

        public byte[] Bytes(int length)
        {
            var data = new byte[length];
            Fill(data);
            return data;
        }

        public int Int32() => BitConverter.ToInt32(Bytes(sizeof(int)));

        public long Int64() => BitConverter.ToInt64(Bytes(sizeof(long)));

        public ulong UInt64()
        {
            var data = new byte[sizeof(ulong)];
            _stream.ReadExactly(data);
            return BitConverter.ToUInt64(data);
        }

        public T[] Array<T>()
            where T : unmanaged
        {
            long length = Int64();
            long left = _stream.Length - _stream.Position;
            if (length < 0 || length * Marshal.SizeOf<T>() > left) throw new InvalidDataException($"an array of {length:N0} elements does not fit in the {left:N0} bytes left");
            T[] values = GC.AllocateUninitializedArray<T>((int)length);
            Fill(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        /// <summary>Fills an array whose length the caller knows.</summary>
        public void Into<T>(T[] values)
            where T : unmanaged => Fill(MemoryMarshal.AsBytes(values.AsSpan()));

        public string[] Strings()
        {
            long count = Int64();
            if (count < 0 || count > _stream.Length) throw new InvalidDataException($"{count:N0} type names");
            var values = new string[count];
            for (long i = 0; i < count; i++) values[i] = Encoding.UTF8.GetString(Array<byte>());
            return values;
        }

        private void Fill(Span<byte> data)
        {
            for (int at = 0; at < data.Length; at += 1 << 20)
            {
                Span<byte> piece = data.Slice(at, Math.Min(1 << 20, data.Length - at));
                long start = Stopwatch.GetTimestamp();
                _stream.ReadExactly(piece);
                long read = Stopwatch.GetTimestamp();
                _sum.Add(piece);
                _readTicks += read - start;
                _checksumTicks += Stopwatch.GetTimestamp() - read;
            }
        }
    }
}
