// The index cache: a snapshot's HeapIndex, its live marks (which objects a root reaches) and, once built, its
// retention (the dominator tree, retained sizes per object and per heap type) kept in a file beside its dump
// (`<dump>.heaplens-index`, owner-only), so the next open of the same dump (a window reload, a second CLI command)
// reads them back instead of walking the heap, marking from the roots and building the tree again.
//
// The file is in sections, each with its own length and checksum, listed in a table of contents after the header.
// An open reads only the header, the table and the small summary (the heap types and what heap/stats answers); the
// big sections (address map, type and size columns, references both ways, live marks, dominator tree) are read and
// checked when a request first needs them (CachedIndex.Load). The file is only a copy, never trusted: it is used when
// its format version, the dump's size and modification time, the agent build that wrote it, the pointer size and
// every GC segment range match, and each section's checksum and shape are right; anything else (truncated, stale,
// foreign, damaged) is logged and ignored, and the index is built again from the dump (a section found damaged at
// first need also deletes the file). It is written to a temporary file that is renamed into place, so a reader never
// meets half a file; src/snapshots/indexCache.ts deletes it with the dump.
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using HeapLens.Agent.Live;
using HeapLens.Agent.Retention;
using Microsoft.Win32.SafeHandles;

namespace HeapLens.Agent.Index;

public static class IndexCache
{
    public const string Suffix = ".heaplens-index";

    /// <summary>Change whenever what the index holds, or how it is laid out here, changes.
    /// 2: the live marks after the index. 3: sections with a table of contents; retention kept.</summary>
    private const int FormatVersion = 3;

    private static readonly byte[] Magic = "HLINDEX\0"u8.ToArray();

    /// <summary>Where the file's length sits in the header (after the magic and the version).</summary>
    private const int LengthOffset = 8 + 4;

    /// <summary>This build of the agent (the module's id, the same for the same sources): the format version says
    /// how the file is laid out, but what is in it (which objects are live, which references count) follows the
    /// code, so a file another build wrote is not trusted either.</summary>
    private static readonly byte[] BuildId = typeof(IndexCache).Assembly.ManifestModule.ModuleVersionId.ToByteArray();

    /// <summary>The sections, by id (the table of contents names them so).</summary>
    internal enum Section
    {
        Summary = 1,
        Columns = 2,
        References = 3,
        Referrers = 4,
        LiveMarks = 5,
        Retention = 6,
    }

    public static string PathFor(string dumpPath) => dumpPath + Suffix;

    /// <summary>What heap/stats answers about the live objects, as the summary keeps it.</summary>
    public sealed record LiveSummary(NameTotals Totals, long Count, long Bytes, long UnreachableCount, long UnreachableBytes);

    /// <summary>The summary section: everything an open and heap/stats need, without a per-object array.</summary>
    public sealed record Summary(int Count, bool IsServer, long MemoryBytes, TypeTable Types, GenerationTotals[] Heaps, LiveSummary Live, long[]? TypeRetained);

    /// <summary>What the big sections give once read and checked.</summary>
    public sealed record Parts(IndexColumns Columns, LiveObjects.Marks Live, SnapshotRetention.CachedTree? Retention);

    /// <summary>What a write keeps: the index (its columns in memory), its live marks and totals, and retention when built.</summary>
    public sealed record Contents(HeapIndex Index, LiveSummary Live, int[] LiveRoots, ulong[] LiveBits, long[]? TypeRetained, SnapshotRetention.CachedTree? Retention);

    /// <summary>The cache beside this dump with its header and summary checked, or null (the reason logged) when
    /// there is none to trust. The big sections are read later, by <see cref="CachedIndex.Load"/>.</summary>
    public static CachedIndex? TryOpen(string dumpPath, (ulong Start, ulong End)[] ranges, int pointerSize, CancellationToken cancellation)
    {
        string path = PathFor(dumpPath);
        if (!File.Exists(path)) return null;
        SafeFileHandle? handle = null;
        try
        {
            // FileShare.Delete: a damaged file can be deleted (or a newer one renamed over it) while this one is open.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            long fileLength = RandomAccess.GetLength(handle);
            var header = new SectionReader(handle, 0, fileLength);
            if (!header.Bytes(Magic.Length).SequenceEqual(Magic)) return Reject(path, "it is not a HeapLens index file", handle);
            int version = header.Int32();
            if (version != FormatVersion) return Reject(path, $"it has format {version}, this agent writes {FormatVersion}", handle);
            long length = header.Int64();
            if (length != fileLength) return Reject(path, $"it is truncated ({fileLength:N0} of {length:N0} bytes)", handle);
            var dump = new FileInfo(dumpPath);
            long dumpSize = header.Int64();
            long dumpTime = header.Int64();
            if (dumpSize != dump.Length || dumpTime != dump.LastWriteTimeUtc.Ticks) return Reject(path, "the dump changed after it was written (size or time)", handle);
            if (!header.Bytes(16).SequenceEqual(BuildId)) return Reject(path, "another build of the agent wrote it (what it counts as live may differ)", handle);
            if (header.Int32() != pointerSize) return Reject(path, "it belongs to another dump (pointer size)", handle);
            ulong[] storedRanges = header.Array<ulong>();
            if (!storedRanges.SequenceEqual(ranges.SelectMany(r => new[] { r.Start, r.End }))) return Reject(path, "it belongs to another dump (GC segments)", handle);
            int sectionCount = header.Int32();
            if (sectionCount < 1 || sectionCount > 16) return Reject(path, "its table of contents is damaged", handle);
            var toc = new Dictionary<Section, TocEntry>();
            for (int k = 0; k < sectionCount; k++)
            {
                var entry = new TocEntry((Section)header.Int32(), header.Int64(), header.Int64(), header.UInt64());
                toc[entry.Id] = entry;
            }
            ulong headerSum = header.Checksum;
            if (header.UInt64Unsummed() != headerSum) return Reject(path, "its header's checksum is wrong (the file is damaged)", handle);
            long headerEnd = header.Position;
            bool fits = toc.Count == sectionCount && toc.Values.All(e => e.Offset >= headerEnd && e.Length >= 0 && e.Offset + e.Length <= fileLength)
                && new[] { Section.Summary, Section.Columns, Section.References, Section.Referrers, Section.LiveMarks }.All(toc.ContainsKey);
            if (!fits) return Reject(path, "its table of contents does not fit the file", handle);

            cancellation.ThrowIfCancellationRequested();
            Summary summary = ReadSummary(handle, toc[Section.Summary], toc.ContainsKey(Section.Retention));
            var cached = new CachedIndex(path, handle, toc, summary, storedRanges, pointerSize);
            handle = null;
            return cached;
        }
        catch (Exception ex) when (ex is SectionDamaged or EndOfStreamException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or OutOfMemoryException or OverflowException or IndexOutOfRangeException)
        {
            return Reject(path, Why(ex), handle);
        }
    }

    private static Summary ReadSummary(SafeFileHandle handle, TocEntry entry, bool hasRetention)
    {
        var r = new SectionReader(handle, entry.Offset, entry.Length);
        int count = r.Int32();
        bool isServer = r.Int32() != 0;
        long memoryBytes = r.Int64();
        ulong[] methodTables = r.Array<ulong>();
        string[] names = r.Strings();
        bool[] free = r.Array<byte>().Select(b => b != 0).ToArray();
        long[] counts = r.Array<long>();
        long[] bytes = r.Array<long>();
        long[] heapTotals = r.Array<long>();
        string[] liveNames = r.Strings();
        long[] liveCounts = r.Array<long>();
        long[] liveBytes = r.Array<long>();
        long liveCount = r.Int64(), liveByteTotal = r.Int64(), deadCount = r.Int64(), deadBytes = r.Int64();
        long[]? typeRetained = hasRetention ? r.Array<long>() : null;
        r.Verify(entry);
        int typeCount = names.Length;
        bool consistent = count > 0 && methodTables.Length == typeCount && free.Length == typeCount && counts.Length == typeCount && bytes.Length == typeCount
            && heapTotals.Length % 7 == 0 && liveCounts.Length == liveNames.Length && liveBytes.Length == liveNames.Length
            && (typeRetained is null || typeRetained.Length == liveNames.Length);
        if (!consistent) throw new SectionDamaged("its summary's parts do not fit together");
        var heaps = new GenerationTotals[heapTotals.Length / 7];
        for (int h = 0; h < heaps.Length; h++)
        {
            ReadOnlySpan<long> t = heapTotals.AsSpan(h * 7, 7);
            heaps[h] = new GenerationTotals { Index = (int)t[0], Gen0 = t[1], Gen1 = t[2], Gen2 = t[3], Loh = t[4], Poh = t[5], Free = t[6] };
        }
        TypeTable types = TypeTable.Restore(methodTables, names, free, counts, bytes);
        var live = new LiveSummary(NameTotals.Restore(liveNames, liveCounts, liveBytes), liveCount, liveByteTotal, deadCount, deadBytes);
        return new Summary(count, isServer, memoryBytes, types, heaps, live, typeRetained);
    }

    /// <summary>
    /// Writes the index, its live marks and (when given) its retention beside the dump, owner-only, into a temporary
    /// file renamed into place. A failure is logged and costs only the next open; a cancel deletes the temporary file.
    /// Nothing is written when the dump is gone (deleted, or moved while open).
    /// </summary>
    public static void Write(string dumpPath, Contents contents, CancellationToken cancellation)
    {
        string path = PathFor(dumpPath);
        string temporary = $"{path}.{Environment.ProcessId}.{Interlocked.Increment(ref _writes)}.tmp";
        var clock = Stopwatch.StartNew();
        try
        {
            SweepTemporaries(path);
            var dump = new FileInfo(dumpPath);
            if (!dump.Exists) return;
            HeapIndex index = contents.Index;
            var sections = new List<(Section Id, Action<SectionWriter> Body)>
            {
                (Section.Summary, w => WriteSummary(w, contents)),
                (Section.Columns, w => WriteColumns(w, index)),
                (Section.References, w => { w.Array(index.RefStart); w.Array(index.Refs); }),
                (Section.Referrers, w => { w.Array(index.BackStart); w.Array(index.Back); }),
                (Section.LiveMarks, w => { w.Array(contents.LiveRoots); w.Array(contents.LiveBits); }),
            };
            if (contents.Retention is { } retention && contents.TypeRetained is not null)
            {
                sections.Add((Section.Retention, w =>
                {
                    (int[] idom, long[] retainedBytes, int[] retainedObjects) = retention.Tree.Arrays;
                    w.Array(idom);
                    w.Array(retainedBytes);
                    w.Array(retainedObjects);
                    w.Array(retention.Nested);
                }));
            }
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temporary, options))
            {
                ulong[] ranges = index.Map.Ranges.SelectMany(r => new[] { r.Start, r.End }).ToArray();
                // The header's size is known before the sections are: room for it now, the header itself at the end.
                long headerLength = Magic.Length + 4 + 8 + 8 + 8 + 16 + 4 + 8 + 8L * ranges.Length + 4 + 28L * sections.Count + 8;
                stream.SetLength(headerLength);
                stream.Position = headerLength;
                var toc = new List<TocEntry>();
                foreach (var (id, body) in sections)
                {
                    var writer = new SectionWriter(stream, cancellation);
                    long offset = stream.Position;
                    body(writer);
                    toc.Add(new TocEntry(id, offset, stream.Position - offset, writer.Checksum));
                }
                long length = stream.Position;
                stream.Position = 0;
                var header = new SectionWriter(stream, cancellation);
                header.Bytes(Magic);
                header.Int32(FormatVersion);
                header.Int64(length);
                header.Int64(dump.Length);
                header.Int64(dump.LastWriteTimeUtc.Ticks);
                header.Bytes(BuildId);
                header.Int32(index.Map.PointerSize);
                header.Array(ranges);
                header.Int32(toc.Count);
                foreach (TocEntry e in toc)
                {
                    header.Int32((int)e.Id);
                    header.Int64(e.Offset);
                    header.Int64(e.Length);
                    header.UInt64(e.Checksum);
                }
                stream.Write(BitConverter.GetBytes(header.Checksum));
                if (stream.Position != headerLength) throw new InvalidOperationException($"The index cache's header took {stream.Position:N0} bytes, not {headerLength:N0}.");
            }
            cancellation.ThrowIfCancellationRequested();
            // The dump may have been deleted or moved while this was written: a cache beside nothing is not kept.
            if (!File.Exists(dumpPath))
            {
                TryDelete(temporary);
                return;
            }
            File.Move(temporary, path, overwrite: true);
            Log.Info($"Kept the index{(contents.Retention is null ? "" : " and retention")} of {dumpPath} beside it in {clock.ElapsedMilliseconds} ms.");
        }
        catch (OperationCanceledException)
        {
            TryDelete(temporary);
            Log.Info($"Stopped keeping the index of {dumpPath} beside it (the snapshot closed); nothing was left behind.");
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

    private static int _writes;

    private static void WriteSummary(SectionWriter w, Contents contents)
    {
        HeapIndex index = contents.Index;
        TypeTable types = index.Types;
        w.Int32(index.Count);
        w.Int32(index.IsServer ? 1 : 0);
        w.Int64(index.MemoryBytes);
        w.Array(types.MethodTables());
        w.Strings(Enumerable.Range(0, types.Count).Select(types.NameOf).ToArray());
        w.Array(Enumerable.Range(0, types.Count).Select(t => types.IsFree(t) ? (byte)1 : (byte)0).ToArray());
        w.Array(types.Counts);
        w.Array(types.Bytes);
        w.Array(index.Heaps.SelectMany(h => new[] { h.Index, h.Gen0, h.Gen1, h.Gen2, h.Loh, h.Poh, h.Free }).ToArray());
        LiveSummary live = contents.Live;
        w.Strings(live.Totals.Names);
        w.Array(live.Totals.Counts);
        w.Array(live.Totals.Bytes);
        w.Int64(live.Count);
        w.Int64(live.Bytes);
        w.Int64(live.UnreachableCount);
        w.Int64(live.UnreachableBytes);
        if (contents.Retention is not null && contents.TypeRetained is not null) w.Array(contents.TypeRetained);
    }

    private static void WriteColumns(SectionWriter w, HeapIndex index)
    {
        w.Array(index.Map.Bits);
        TypeColumn typeOf = index.TypeOf;
        w.Int32(typeOf.Narrow is not null ? 1 : 0);
        if (typeOf.Narrow is not null) w.Array(typeOf.Narrow);
        else w.Array(typeOf.Wide!);
        w.Array(index.Sizes.Small);
        var large = index.Sizes.LargeSizes.OrderBy(p => p.Key).ToArray();
        w.Array(large.Select(p => p.Key).ToArray());
        w.Array(large.Select(p => p.Value).ToArray());
    }

    /// <summary>Reads and checks one big section; throws SectionDamaged when its bytes or its shape are wrong.</summary>
    internal static IndexColumns ReadColumns(SafeFileHandle handle, TocEntry entry, (ulong Start, ulong End)[] ranges, int pointerSize, Summary summary, CancellationToken cancellation)
    {
        var r = new SectionReader(handle, entry.Offset, entry.Length, cancellation);
        var map = new AddressMap(ranges, pointerSize);
        r.ArrayInto(map.Bits);
        bool narrow = r.Int32() != 0;
        ushort[]? narrowTypes = narrow ? r.Array<ushort>() : null;
        int[]? wideTypes = narrow ? null : r.Array<int>();
        ushort[] small = r.Array<ushort>();
        int[] largeAt = r.Array<int>();
        ulong[] largeSize = r.Array<ulong>();
        r.Verify(entry);
        map.Seal();
        int count = summary.Count;
        int typeCount = summary.Types.Count;
        bool consistent = map.Count == count && (narrowTypes?.Length ?? wideTypes!.Length) == count && small.Length == count && largeAt.Length == largeSize.Length
            && (narrowTypes is not null ? AllBelow(narrowTypes, typeCount) : AllBelow(wideTypes!, typeCount));
        if (!consistent) throw new SectionDamaged("its columns do not fit its summary");
        var large = new Dictionary<int, ulong>(largeAt.Length);
        for (int k = 0; k < largeAt.Length; k++) large[largeAt[k]] = largeSize[k];
        TypeColumn typeOf = TypeColumn.Restore(narrowTypes, wideTypes);
        InstancePages pages = InstancePages.Build(typeOf, summary.Types.Counts, cancellation);
        return new IndexColumns(map, typeOf, SizeColumn.Restore(small, large), Array.Empty<int>(), Array.Empty<int>(), Array.Empty<int>(), Array.Empty<int>(), pages);
    }

    /// <summary>A CSR pair (forward or reverse references) of <paramref name="count"/> objects.</summary>
    internal static (int[] Start, int[] Items) ReadGraph(SafeFileHandle handle, TocEntry entry, int count, CancellationToken cancellation)
    {
        var r = new SectionReader(handle, entry.Offset, entry.Length, cancellation);
        int[] start = r.Array<int>();
        int[] items = r.Array<int>();
        r.Verify(entry);
        bool consistent = start.Length == count + 1 && start[0] == 0 && start[count] == items.Length && AllBelow(items, count);
        if (!consistent) throw new SectionDamaged($"its {Name(entry.Id)} do not fit its summary");
        return (start, items);
    }

    internal static LiveObjects.Marks ReadLiveMarks(SafeFileHandle handle, TocEntry entry, int count, CancellationToken cancellation)
    {
        var r = new SectionReader(handle, entry.Offset, entry.Length, cancellation);
        int[] roots = r.Array<int>();
        ulong[] bits = r.Array<ulong>();
        r.Verify(entry);
        bool consistent = bits.Length == (count + 63) / 64 && (count % 64 == 0 || bits[^1] >> (count % 64) == 0)
            && roots.Length <= count && roots.All(x => (uint)x < (uint)count && (bits[x >> 6] & (1UL << (x & 63))) != 0);
        if (!consistent) throw new SectionDamaged("its live marks do not fit its summary");
        return new LiveObjects.Marks(roots, bits);
    }

    internal static SnapshotRetention.CachedTree ReadRetention(SafeFileHandle handle, TocEntry entry, int count, CancellationToken cancellation)
    {
        var r = new SectionReader(handle, entry.Offset, entry.Length, cancellation);
        int[] idom = r.Array<int>();
        long[] retainedBytes = r.Array<long>();
        int[] retainedObjects = r.Array<int>();
        ulong[] nested = r.Array<ulong>();
        r.Verify(entry);
        bool consistent = idom.Length == count && retainedBytes.Length == count && retainedObjects.Length == count && nested.Length == (count + 63) / 64
            && idom.All(d => d >= DominatorTree.TopLevel && d < count);
        if (!consistent) throw new SectionDamaged("its dominator tree does not fit its summary");
        return new SnapshotRetention.CachedTree(DominatorTree.Restore(idom, retainedBytes, retainedObjects), nested);
    }

    private static bool AllBelow(int[] values, int limit)
    {
        foreach (int v in values)
        {
            if ((uint)v >= (uint)limit) return false;
        }
        return true;
    }

    private static bool AllBelow(ushort[] values, int limit)
    {
        foreach (ushort v in values)
        {
            if (v >= limit) return false;
        }
        return true;
    }

    internal static string Name(Section id) => id switch
    {
        Section.Summary => "summary",
        Section.Columns => "address, type and size columns",
        Section.References => "references",
        Section.Referrers => "reverse references",
        Section.LiveMarks => "live marks",
        Section.Retention => "dominator tree",
        _ => $"section {(int)id}",
    };

    internal static string Why(Exception ex) => ex switch
    {
        SectionDamaged damaged => damaged.Message,
        EndOfStreamException => "it ends early (truncated)",
        _ => $"it could not be read ({ex.Message})",
    };

    private static CachedIndex? Reject(string path, string why, SafeFileHandle? handle)
    {
        handle?.Dispose();
        Log.Warn($"Ignoring the index cache {path}: {why}. The heap is indexed again and the file rewritten.");
        return null;
    }

    internal static void TryDelete(string path)
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

    /// <summary>Temporary files of this cache left by agents that were killed while writing (their pid is gone).</summary>
    private static void SweepTemporaries(string path)
    {
        string? dir = System.IO.Path.GetDirectoryName(path);
        if (dir is null || !Directory.Exists(dir)) return;
        string prefix = System.IO.Path.GetFileName(path) + ".";
        foreach (string file in Directory.EnumerateFiles(dir, prefix + "*.tmp"))
        {
            string[] parts = System.IO.Path.GetFileName(file)[prefix.Length..].Split('.');
            if (parts.Length == 3 && int.TryParse(parts[0], out int pid) && pid != Environment.ProcessId && !ProcessExists(pid)) TryDelete(file);
        }
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    internal readonly record struct TocEntry(Section Id, long Offset, long Length, ulong Checksum);

    /// <summary>A section (or the header) whose bytes or shape are wrong.</summary>
    internal sealed class SectionDamaged : Exception
    {
        public SectionDamaged(string message)
            : base(message)
        {
        }
    }

    /// <summary>A 64-bit checksum over everything written or read, four words at a time (so it runs near memory speed).
    /// Writer and reader hand it the same pieces (each scalar, each array in 1 MB pieces), so the sums agree.</summary>
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

    private const int Piece = 1 << 20;

    private sealed class SectionWriter
    {
        private readonly Stream _stream;
        private readonly CancellationToken _cancellation;
        private Checksummer _sum;

        public SectionWriter(Stream stream, CancellationToken cancellation)
        {
            _stream = stream;
            _cancellation = cancellation;
        }

        public ulong Checksum => _sum.Value;

        public void Bytes(ReadOnlySpan<byte> data)
        {
            _sum.Add(data);
            _stream.Write(data);
        }

        public void Int32(int value) => Bytes(BitConverter.GetBytes(value));

        public void Int64(long value) => Bytes(BitConverter.GetBytes(value));

        public void UInt64(ulong value) => Bytes(BitConverter.GetBytes(value));

        public void Array<T>(T[] values)
            where T : unmanaged
        {
            Int64(values.Length);
            ReadOnlySpan<byte> data = MemoryMarshal.AsBytes(values.AsSpan());
            // In pieces, so the checksum reads each piece while it is still in the cache, and a close can stop it.
            for (int at = 0; at < data.Length; at += Piece)
            {
                _cancellation.ThrowIfCancellationRequested();
                Bytes(data.Slice(at, Math.Min(Piece, data.Length - at)));
            }
        }

        public void Strings(string[] values)
        {
            Int64(values.Length);
            foreach (string s in values) Array(Encoding.UTF8.GetBytes(s));
        }
    }

    /// <summary>Reads one section (or the header) at its offset, summing what it reads; small values come through a
    /// buffer, arrays straight into their memory.</summary>
    private sealed class SectionReader
    {
        private readonly SafeFileHandle _handle;
        private readonly long _start;
        private readonly long _end;
        private readonly CancellationToken _cancellation;
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _bufferAt;
        private int _bufferLength;
        private long _position;
        private Checksummer _sum;

        public SectionReader(SafeFileHandle handle, long offset, long length, CancellationToken cancellation = default)
        {
            _handle = handle;
            _start = offset;
            _end = offset + length;
            _position = offset;
            _cancellation = cancellation;
        }

        public ulong Checksum => _sum.Value;

        /// <summary>Where the next byte comes from, in the file.</summary>
        public long Position => _position - (_bufferLength - _bufferAt);

        public byte[] Bytes(int length)
        {
            var data = new byte[length];
            Fill(data);
            _sum.Add(data);
            return data;
        }

        public int Int32() => BitConverter.ToInt32(Bytes(sizeof(int)));

        public long Int64() => BitConverter.ToInt64(Bytes(sizeof(long)));

        public ulong UInt64() => BitConverter.ToUInt64(Bytes(sizeof(ulong)));

        /// <summary>A value outside the sum (the sum itself).</summary>
        public ulong UInt64Unsummed()
        {
            var data = new byte[sizeof(ulong)];
            Fill(data);
            return BitConverter.ToUInt64(data);
        }

        public T[] Array<T>()
            where T : unmanaged
        {
            long length = Int64();
            long left = _end - Position;
            if (length < 0 || length * Marshal.SizeOf<T>() > left) throw new SectionDamaged($"an array of {length:N0} elements does not fit in the {left:N0} bytes left of a section (the file is damaged)");
            T[] values = GC.AllocateUninitializedArray<T>((int)length);
            Pieces(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        /// <summary>An array whose length the caller knows (the stored length must agree).</summary>
        public void ArrayInto<T>(T[] values)
            where T : unmanaged
        {
            long length = Int64();
            if (length != values.Length) throw new SectionDamaged($"an array of {length:N0} elements where {values.Length:N0} belong (the file is damaged)");
            Pieces(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        public string[] Strings()
        {
            long count = Int64();
            if (count < 0 || count > _end - Position) throw new SectionDamaged($"{count:N0} names do not fit in the section (the file is damaged)");
            var values = new string[count];
            for (long i = 0; i < count; i++) values[i] = Encoding.UTF8.GetString(Array<byte>());
            return values;
        }

        /// <summary>Checks that the section was read to its end and that its sum is the one the table of contents gives.</summary>
        public void Verify(TocEntry entry)
        {
            if (Position != _end) throw new SectionDamaged($"its {Name(entry.Id)} section has {_end - Position:N0} bytes more than it holds (the file is damaged)");
            if (Checksum != entry.Checksum) throw new SectionDamaged($"the checksum of its {Name(entry.Id)} section is wrong (the file is damaged)");
        }

        private void Pieces(Span<byte> data)
        {
            for (int at = 0; at < data.Length; at += Piece)
            {
                _cancellation.ThrowIfCancellationRequested();
                Span<byte> piece = data.Slice(at, Math.Min(Piece, data.Length - at));
                Fill(piece);
                _sum.Add(piece);
            }
        }

        private void Fill(Span<byte> data)
        {
            while (data.Length > 0)
            {
                if (_bufferAt < _bufferLength)
                {
                    int n = Math.Min(data.Length, _bufferLength - _bufferAt);
                    _buffer.AsSpan(_bufferAt, n).CopyTo(data);
                    _bufferAt += n;
                    data = data[n..];
                    continue;
                }
                long left = _end - _position;
                if (left <= 0) throw new EndOfStreamException();
                if (data.Length >= _buffer.Length)
                {
                    // Big pieces go straight from the file into the array.
                    int want = (int)Math.Min(data.Length, left);
                    int got = RandomAccess.Read(_handle, data[..want], _position);
                    if (got <= 0) throw new EndOfStreamException();
                    _position += got;
                    data = data[got..];
                    continue;
                }
                _bufferLength = RandomAccess.Read(_handle, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, left)), _position);
                if (_bufferLength <= 0) throw new EndOfStreamException();
                _position += _bufferLength;
                _bufferAt = 0;
            }
        }
    }
}
