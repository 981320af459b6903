// One open dump: the ClrMD objects, the heap index, and what later questions cache (roots, PDB readers).
// ClrMD is not thread-safe, so every use goes through RunAsync, which lets one request at a time in.
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

    public Snapshot(string id, string path, DataTarget target, ClrRuntime runtime, HeapIndex index, LiveObjects live, string runtimeVersion, long indexMs)
    {
        Live = live;
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

    /// <summary>Immutable once built: may be read without the gate (heap/diff does).</summary>
    public HeapIndex Index { get; }

    /// <summary>Which objects a root reaches (immutable once built: may be read without the gate).</summary>
    public LiveObjects Live { get; }

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
        Index.MemoryBytes);

    /// <summary>The roots of the heap, gathered on first use (call inside RunAsync).</summary>
    public RootCatalog Roots => RootsFor(CancellationToken.None);

    /// <summary>The roots, gathered on first use by a request that can be cancelled (call inside RunAsync).</summary>
    public RootCatalog RootsFor(CancellationToken cancellation) => _roots ??= RootCatalog.Build(this, cancellation);

    public bool HasRoots => _roots is not null;

    /// <summary>The retention-path search, with its scratch arrays kept between requests (call inside RunAsync).</summary>
    public RetentionPathFinder PathFinder => _pathFinder ??= new RetentionPathFinder(this);

    /// <summary>The dominator tree and retained sizes, built on first use by a request (call inside RunAsync).</summary>
    public SnapshotRetention RetentionFor(RequestContext context) => _retention ??= SnapshotRetention.Build(this, context);

    public bool HasRetention => _retention is not null;

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

    /// <summary>Waits for the running request, then frees the dump and the index.</summary>
    public async Task CloseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
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
        Sources.Dispose();
        Runtime.Dispose();
        _target.Dispose();
    }
}
