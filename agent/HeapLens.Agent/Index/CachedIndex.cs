// An index cache file whose header and summary an open has checked (IndexCache.TryOpen): it holds the file open (so a
// newer file renamed over it, or its deletion, changes nothing for this snapshot) and reads the big sections on
// first need, all at once and in parallel (copying them into fresh memory is most of the time, and two cores fault
// pages in twice as fast). A section found damaged then is never trusted: the file is deleted and Load throws
// CacheRejected, and the snapshot builds its index from the dump instead.
using System.Diagnostics;
using HeapLens.Agent.Live;
using HeapLens.Agent.Retention;
using Microsoft.Win32.SafeHandles;

namespace HeapLens.Agent.Index;

public sealed class CachedIndex : IDisposable
{
    private readonly string _path;
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<IndexCache.Section, IndexCache.TocEntry> _toc;
    private readonly (ulong Start, ulong End)[] _ranges;
    private readonly int _pointerSize;
    private readonly object _loading = new();
    private IndexCache.Parts? _parts;
    private string? _rejected;

    internal CachedIndex(string path, SafeFileHandle handle, Dictionary<IndexCache.Section, IndexCache.TocEntry> toc, IndexCache.Summary summary, ulong[] ranges, int pointerSize)
    {
        _path = path;
        _handle = handle;
        _toc = toc;
        Summary = summary;
        _ranges = Enumerable.Range(0, ranges.Length / 2).Select(k => (ranges[2 * k], ranges[2 * k + 1])).ToArray();
        _pointerSize = pointerSize;
    }

    public string Path => _path;

    public IndexCache.Summary Summary { get; }

    /// <summary>True when the file keeps the dominator tree too (a snapshot that answered heap/stats wrote it).</summary>
    public bool HasRetention => Summary.TypeRetained is not null;

    public bool IsLoaded => _parts is not null;

    /// <summary>The big sections, read and checked on the first call (thread-safe; a cancelled read can be tried again).</summary>
    /// <exception cref="CacheRejected">A section is damaged, truncated or does not fit the summary; the file is deleted.</exception>
    public IndexCache.Parts Load(CancellationToken cancellation)
    {
        lock (_loading)
        {
            if (_parts is not null) return _parts;
            if (_rejected is not null) throw new CacheRejected(_rejected);
            var clock = Stopwatch.StartNew();
            int count = Summary.Count;
            IndexColumns? columns = null;
            (int[] Start, int[] Items) forward = default, reverse = default;
            LiveObjects.Marks? marks = null;
            SnapshotRetention.CachedTree? tree = null;
            var work = new List<Action>
            {
                () => columns = IndexCache.ReadColumns(_handle, _toc[IndexCache.Section.Columns], _ranges, _pointerSize, Summary, cancellation),
                () => forward = IndexCache.ReadGraph(_handle, _toc[IndexCache.Section.References], count, cancellation),
                () => reverse = IndexCache.ReadGraph(_handle, _toc[IndexCache.Section.Referrers], count, cancellation),
                () => marks = IndexCache.ReadLiveMarks(_handle, _toc[IndexCache.Section.LiveMarks], count, cancellation),
            };
            if (_toc.TryGetValue(IndexCache.Section.Retention, out IndexCache.TocEntry retention))
                work.Add(() => tree = IndexCache.ReadRetention(_handle, retention, count, cancellation));
            try
            {
                Parallel.Invoke(new ParallelOptions { CancellationToken = cancellation }, work.ToArray());
            }
            catch (Exception ex) when (!cancellation.IsCancellationRequested && Damage(ex) is { } damage)
            {
                _rejected = IndexCache.Why(damage);
                Log.Warn($"Ignoring the index cache {_path}: {_rejected}. It is deleted; the heap is indexed again from the dump and the file rewritten.");
                IndexCache.TryDelete(_path);
                Dispose();
                throw new CacheRejected(_rejected);
            }
            catch (AggregateException ex) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException("The read of the index cache was cancelled.", ex, cancellation);
            }
            if (tree is null && HasRetention)
            {
                _rejected = "its dominator tree section is missing";
                IndexCache.TryDelete(_path);
                throw new CacheRejected(_rejected);
            }
            _parts = new IndexCache.Parts(columns! with { RefStart = forward.Start!, Refs = forward.Items!, BackStart = reverse.Start!, Back = reverse.Items! }, marks!, tree);
            Log.Info($"Read the index of {count:N0} objects{(tree is null ? "" : ", its dominator tree")} and its live marks from {_path} in {clock.ElapsedMilliseconds} ms.");
            Dispose();
            return _parts;
        }
    }

    /// <summary>What made a read fail when the file is to blame (not a cancel, not a bug).</summary>
    private static Exception? Damage(Exception ex)
    {
        IEnumerable<Exception> all = ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : new[] { ex };
        return all.FirstOrDefault(e => e is IndexCache.SectionDamaged or EndOfStreamException or IOException or UnauthorizedAccessException or InvalidDataException or OutOfMemoryException or OverflowException or IndexOutOfRangeException or ArgumentException);
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>The cache's big sections could not be trusted; the index must come from the dump.</summary>
    public sealed class CacheRejected : Exception
    {
        public CacheRejected(string why)
            : base(why)
        {
        }
    }
}
