// The open snapshots of this agent, by id. Ids are short ("s1", "s2", …) and never reused within a process.
using System.Collections.Concurrent;
using System.Diagnostics;
using HeapLens.Agent.Index;
using HeapLens.Agent.Live;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Snapshots;

public sealed class SnapshotStore
{
    private readonly ConcurrentDictionary<string, Snapshot> _open = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>Opens a dump and indexes its heap; nothing is registered if this fails or is cancelled.</summary>
    public Snapshot Open(string path, DacSearch dacSearch, RequestContext context)
    {
        var clock = Stopwatch.StartNew();
        string fullPath = System.IO.Path.GetFullPath(path);
        context.Progress($"Opening {System.IO.Path.GetFileName(fullPath)}");
        var (target, runtime) = DumpOpener.Open(fullPath, dacSearch, context.Cancellation);
        try
        {
            SnapshotIndexOpener.Opened opened = SnapshotIndexOpener.Open(runtime, fullPath, context);
            (HeapIndex index, LiveObjects live) = (opened.Index, opened.Live);
            // A cancel that came in during the last step still wins: nothing has been registered yet.
            if (context.Cancellation.IsCancellationRequested) opened.Cache?.Dispose();
            context.Cancellation.ThrowIfCancellationRequested();
            string version = RuntimeVersion.Of(runtime.ClrInfo);
            string id = "s" + Interlocked.Increment(ref _next);
            var snapshot = new Snapshot(id, fullPath, target, runtime, index, live, opened.Cache, version, clock.ElapsedMilliseconds);
            _open[id] = snapshot;
            Log.Info($"Opened {fullPath} as {id}: {live.Count:N0} live objects ({live.UnreachableCount:N0} unreachable) in {clock.ElapsedMilliseconds} ms.");
            return snapshot;
        }
        catch
        {
            runtime.Dispose();
            target.Dispose();
            // A cancelled or failed index build leaves hundreds of megabytes behind on a big heap: give them back now.
            HeapIndexBuilder.ReturnFreedMemory();
            throw;
        }
    }

    public Snapshot Get(string? id)
    {
        if (string.IsNullOrEmpty(id)) throw AgentException.InvalidParams("The snapshotId is missing: open a dump first and pass the id it returned.");
        return _open.TryGetValue(id, out Snapshot? snapshot) ? snapshot : throw Unknown(id);
    }

    public Snapshot? TryGet(string id) => _open.TryGetValue(id, out Snapshot? snapshot) ? snapshot : null;

    public async Task CloseAsync(string? id)
    {
        Snapshot snapshot = Get(id);
        if (_open.TryRemove(snapshot.Id, out _))
        {
            await snapshot.CloseAsync().ConfigureAwait(false);
            // The index is garbage now (unless a request still reads it); the memory goes back to the system.
            HeapIndexBuilder.ReturnFreedMemory();
        }
    }

    /// <summary>At agent shutdown: closes every snapshot, so index caches being written are finished (or stopped and
    /// their temporary files deleted) before the process exits.</summary>
    public async Task CloseAllAsync()
    {
        foreach (string id in _open.Keys.ToArray())
        {
            if (_open.TryRemove(id, out Snapshot? snapshot)) await snapshot.CloseAsync().ConfigureAwait(false);
        }
    }

    public static AgentException Unknown(string id) =>
        new(ErrorCodes.UnknownSnapshot, $"No snapshot \"{id}\" is open (it was closed, or the agent restarted): open the dump again.");
}
