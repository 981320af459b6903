// One open dump: the ClrMD objects, the heap index, and what later questions cache (roots, PDB readers).
// ClrMD is not thread-safe, so every use goes through RunAsync, which lets one request at a time in.
// An index that came from the cache beside the dump has only its summary in memory until a request needs more
// (ReadyAsync); an index this snapshot built is kept beside the dump on a background task once heap/stats has
// answered, or at close, which waits for that write (bounded) or stops it.
using HeapLens.Agent.Retention;
using HeapLens.Agent.Index;
using HeapLens.Agent.Live;
using HeapLens.Agent.Roots;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public sealed class Snapshot : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DataTarget _target;
    private RootCatalog? _roots;
    private RetentionPathFinder? _pathFinder;
    private SnapshotRetention? _retention;
    private bool _closed;
    private CachedIndex? _cache;
    private readonly object _keeping = new();
    private readonly CancellationTokenSource _stopKeeping = new();
    private bool _keepNeeded;
    private Task? _keep;

    /// <summary>How long a close waits for the index cache to be written before it stops the write.</summary>
    private static readonly TimeSpan KeepWait = TimeSpan.FromSeconds(30);

    public Snapshot(string id, string path, DataTarget target, ClrRuntime runtime, HeapIndex index, LiveObjects live, CachedIndex? cache, string runtimeVersion, long indexMs)
    {
        Live = live;
        _cache = cache;
        // A cache that kept retention gives heap/stats its retained sizes without a dominator tree being built.
        if (cache is { HasRetention: true })
            _retention = SnapshotRetention.FromCache(this, cache.Summary.TypeRetained!, () => cache.Load(CancellationToken.None).Retention!);
        _keepNeeded = cache is null;
        Id = id;
        Path = path;
        _target = target;
        Runtime = runtime;
        Index = index;
        RuntimeVersion = runtimeVersion;
        IndexMs = indexMs;
        Sources = new SourceLocator();
    }

    public string Id { get; }

    public string Path { get; }

    public ClrRuntime Runtime { get; }

    public ClrHeap Heap => Runtime.Heap;

    /// <summary>Immutable once built: may be read without the gate (heap/diff does). Replaced only by ReadyAsync, with an
    /// index built from the dump that answers the same, when the cache it came from turns out to be damaged.</summary>
    public HeapIndex Index { get; private set; }

    /// <summary>Which objects a root reaches (immutable once built: may be read without the gate).</summary>
    public LiveObjects Live { get; private set; }

    public string RuntimeVersion { get; }

    public long IndexMs { get; }

    public int PointerSize => _target.DataReader.PointerSize;

    public SourceLocator Sources { get; }

    public SnapshotInfo Info => new(
        Id,
        Path,
        RuntimeVersion,
        Index.IsServer ? "server" : "workstation",
        PointerSize,
        Live.Count,
        Live.Bytes,
        new CountAndBytes(Live.UnreachableCount, Live.UnreachableBytes),
        IndexMs,
        Index.MemoryBytes,
        _target.DataReader.ProcessId > 0 ? _target.DataReader.ProcessId : null);

    /// <summary>The roots of the heap, gathered on first use (call inside RunAsync).</summary>
    public RootCatalog Roots => RootsFor(CancellationToken.None);

    /// <summary>The roots, gathered on first use by a request that can be cancelled (call inside RunAsync).</summary>
    public RootCatalog RootsFor(CancellationToken cancellation) => _roots ??= RootCatalog.Build(this, cancellation);

    public bool HasRoots => _roots is not null;

    /// <summary>The retention-path search, with its scratch arrays kept between requests (call inside RunAsync).</summary>
    public RetentionPathFinder PathFinder => _pathFinder ??= new RetentionPathFinder(this);

    /// <summary>The dominator tree and retained sizes, built on first use by a request (call inside RunAsync).</summary>
    public SnapshotRetention RetentionFor(RequestContext context)
    {
        if (_retention is not null) return _retention;
        EnsureLoaded(context);
        _retention = SnapshotRetention.Build(this, context);
        // A cache read without retention is written again with it.
        lock (_keeping) _keepNeeded |= _keep is null;
        return _retention;
    }

    public bool HasRetention => _retention is not null;

    /// <summary>
    /// Makes the whole index, its live marks and (when cached) the dominator tree ready in memory: a no-op for an index
    /// built from the dump; for one from the cache, its big sections are read and checked now, and a damaged one makes
    /// the index be built from the dump instead (the same answers, later). Call before reading per-object data.
    /// </summary>
    public Task ReadyAsync(RequestContext context) => RunAsync(() => EnsureLoaded(context), context.Cancellation);

    /// <summary>ReadyAsync's work (call inside RunAsync).</summary>
    private bool EnsureLoaded(RequestContext context)
    {
        CachedIndex? cache = _cache;
        if (cache is null || cache.IsLoaded) return true;
        try
        {
            context.Progress("Reading the index kept beside the dump", 0);
            cache.Load(context.Cancellation);
            return true;
        }
        catch (CachedIndex.CacheRejected)
        {
            context.Progress("Indexing the heap again (the index kept beside the dump is damaged)", 0);
            (HeapIndex index, LiveObjects live) = SnapshotIndexOpener.Build(Runtime, Path, context);
            lock (_keeping)
            {
                Index = index;
                Live = live;
                _retention = null;
                _pathFinder = null;
                _roots = null;
                _cache = null;
                _keepNeeded = _keep is null;
            }
            return false;
        }
    }

    /// <summary>Keeps the index (with retention, once built) beside the dump on a background task, when this snapshot
    /// has something the file lacks; called once heap/stats has answered. Never waits.</summary>
    public void KeepInCacheSoon()
    {
        // Under the gate, after the request that called this has answered (a request building retention waits for it).
        _ = RunAsync(StartKeeping, CancellationToken.None).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }

    private bool StartKeeping()
    {
        lock (_keeping)
        {
            if (!_keepNeeded || _keep is not null || _closed) return false;
            _keepNeeded = false;
            var live = new IndexCache.LiveSummary(Live.Totals, Live.Count, Live.Bytes, Live.UnreachableCount, Live.UnreachableBytes);
            var contents = new IndexCache.Contents(Index, live, Live.Roots, Live.Bits, _retention?.TypeRetainedBytes, _retention?.TreeParts);
            CancellationToken stop = _stopKeeping.Token;
            string path = Path;
            _keep = Task.Run(() => IndexCache.Write(path, contents, stop));
            return true;
        }
    }

    /// <summary>Runs work with this snapshot to itself; waits (cancellably) for the request before it.</summary>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (_closed) throw SnapshotStore.Unknown(Id);
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Waits for the running request, keeps the index beside the dump if it is not yet (waiting for that write,
    /// or stopping it after <see cref="KeepWait"/>), then frees the dump and the index.</summary>
    public async Task CloseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) return;
            // A command that never asked for heap/stats still leaves its index for the next open.
            StartKeeping();
            Task? keep = _keep;
            if (keep is not null && await Task.WhenAny(keep, Task.Delay(KeepWait)).ConfigureAwait(false) != keep)
            {
                Log.Warn($"Keeping the index of {Path} beside it took more than {KeepWait.TotalSeconds:N0} s: stopped (the next open indexes the heap again).");
                _stopKeeping.Cancel();
                // The write stops within one megabyte and deletes its temporary file.
                await Task.WhenAny(keep, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            }
            Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        // A write still going (Dispose without CloseAsync) stops and deletes its temporary file.
        if (_keep is { IsCompleted: false }) _stopKeeping.Cancel();
        _cache?.Dispose();
        Sources.Dispose();
        Runtime.Dispose();
        _target.Dispose();
    }
}
