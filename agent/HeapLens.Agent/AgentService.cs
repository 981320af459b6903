// The agent's methods: reads each request's params, finds the snapshot, and runs the analysis with the snapshot
// to itself. One handler per method of src/protocol/agent.ts; the analysis lives in Analysis/, Roots/, Runtime/.
using System.Text.Json;
using HeapLens.Agent.Analysis;
using HeapLens.Agent.Retention;
using HeapLens.Agent.Faults;
using HeapLens.Agent.Index;
using HeapLens.Agent.Insights;
using HeapLens.Agent.Roots;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Runtime;
using HeapLens.Agent.Snapshots;
using HeapLens.Agent.Tracing;

namespace HeapLens.Agent;

public sealed class AgentService
{
    private const int DefaultRootsMax = 10;
    private const int MaxRootsMax = 1000;
    private const int DefaultInstancesLimit = 100;
    private readonly SnapshotStore _snapshots = new();

    public IReadOnlyDictionary<string, RequestHandler> Handlers => FaultHook.FromEnvironment()?.Wrap(AllHandlers, _snapshots) ?? AllHandlers;

    private IReadOnlyDictionary<string, RequestHandler> AllHandlers => new Dictionary<string, RequestHandler>
    {
        [Methods.Open] = OpenAsync,
        [Methods.Close] = CloseAsync,
        [Methods.Stats] = StatsAsync,
        [Methods.Layout] = LayoutAsync,
        [Methods.Instances] = InstancesAsync,
        [Methods.Object] = ObjectAsync,
        [Methods.Roots] = RootsAsync,
        [Methods.RetentionGroups] = RetentionGroupsAsync,
        [Methods.Dominators] = DominatorsAsync,
        [Methods.Diff] = DiffAsync,
        [Methods.Threads] = ThreadsAsync,
        [Methods.Insights] = InsightsAsync,
        [Methods.Collect] = CollectAsync,
        [Methods.Version] = VersionAsync,
        [Methods.TraceStart] = TraceStartAsync,
        [Methods.TraceStop] = TraceStopAsync,
        [Methods.TraceAllocations] = TraceAllocationsAsync,
    };

    /// <summary>Sends a notification to the client (set by Program once the RPC server exists).</summary>
    public Action<string, object> Notify { get; set; } = (_, _) => { };

    private readonly TraceSessions _traces = new();

    private async Task<object?> TraceStartAsync(JsonElement json, RequestContext context)
    {
        var p = Params<TraceStartParams>(json, Methods.TraceStart);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        limit.CancelAfter(p.TimeoutMs ?? DefaultCollectTimeoutMs);
        try
        {
            TraceSession session = await _traces.StartAsync(p, (method, body) => Notify(method, body), limit.Token).ConfigureAwait(false);
            return new TraceStarted(session.Id);
        }
        catch (OperationCanceledException) when (!context.Cancellation.IsCancellationRequested)
        {
            throw new AgentException(ErrorCodes.TargetTimedOut, $"Process {p.Pid} did not start an event session within {(p.TimeoutMs ?? DefaultCollectTimeoutMs) / 1000} s.");
        }
    }

    private async Task<object?> TraceStopAsync(JsonElement json, RequestContext context)
    {
        var p = Params<TraceStopParams>(json, Methods.TraceStop);
        await _traces.StopAsync(p.SessionId, p.KeepSamples == true).ConfigureAwait(false);
        return null;
    }

    private Task<object?> TraceAllocationsAsync(JsonElement json, RequestContext context)
    {
        var p = Params<AllocationsParams>(json, Methods.TraceAllocations);
        TraceSession session = _traces.Get(p.SessionId);
        if (session.Allocations is null) throw AgentException.InvalidParams($"Trace session {session.Id} does not sample allocations: start it with allocations: true.");
        return Task.FromResult<object?>(session.Allocations.Report(string.IsNullOrWhiteSpace(p.Type) ? null : p.Type, p.From, p.To, p.TopTypes ?? 50, p.TopSites ?? 5));
    }

    private const int DefaultCollectTimeoutMs = 30_000;

    private async Task<object?> CollectAsync(JsonElement json, RequestContext context)
    {
        var p = Params<CollectParams>(json, Methods.Collect);
        int timeout = p.TimeoutMs ?? DefaultCollectTimeoutMs;
        if (timeout <= 0) throw AgentException.InvalidParams($"timeoutMs must be positive, not {timeout}.");
        return await InducedCollection.RunAsync(p.SocketPath, p.Pid, timeout, context.Cancellation).ConfigureAwait(false);
    }

    private Task<object?> OpenAsync(JsonElement json, RequestContext context)
    {
        var p = Params<OpenSnapshotParams>(json, Methods.Open);
        if (string.IsNullOrWhiteSpace(p.Path)) throw AgentException.InvalidParams("Opening a snapshot needs the path of a dump file.");
        var dacSearch = new DacSearch(string.IsNullOrWhiteSpace(p.DacPath) ? null : p.DacPath, p.DacSearchPaths ?? new List<string>());
        Snapshot snapshot = _snapshots.Open(p.Path, dacSearch, context);
        return Task.FromResult<object?>(snapshot.Info);
    }

    /// <summary>The agent's version (package.json's, stamped in by scripts/build-agent.js), for the caller's check.</summary>
    private Task<object?> VersionAsync(JsonElement json, RequestContext context) => Task.FromResult<object?>(new AgentVersion(ProductVersion.Current));

    private async Task<object?> CloseAsync(JsonElement json, RequestContext context)
    {
        await _snapshots.CloseAsync(Params<SnapshotRef>(json, Methods.Close).SnapshotId).ConfigureAwait(false);
        return null;
    }

    private async Task<object?> StatsAsync(JsonElement json, RequestContext context)
    {
        var p = Params<HeapStatsParams>(json, Methods.Stats);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        TypePage.Check(p.Top, p.Offset);
        SnapshotRetention retention = await RetentionAsync(snapshot, context).ConfigureAwait(false);
        // The rest reads only the immutable index and retention: no need to wait for the snapshot.
        HeapStats stats = HeapStatistics.Build(snapshot, retention, p.All == true, p.Top, p.Sort, p.Offset, p.Filter);
        // Answered: now the index and retention can be kept beside the dump, off this request's path.
        snapshot.KeepInCacheSoon();
        return stats;
    }

    /// <summary>The snapshot's dominator tree and retained sizes: built under its gate by the first request that needs
    /// them (with progress, cancellable), then read freely. From the index cache, only the per-type retained bytes are
    /// in memory: a request that reads the tree calls snapshot.ReadyAsync first.</summary>
    private static Task<SnapshotRetention> RetentionAsync(Snapshot snapshot, RequestContext context) =>
        snapshot.RunAsync(() => snapshot.RetentionFor(context), context.Cancellation);

    private Task<object?> LayoutAsync(JsonElement json, RequestContext context)
    {
        HeapIndex index = _snapshots.Get(Params<SnapshotRef>(json, Methods.Layout).SnapshotId).Index;
        var heaps = index.Heaps.Select(h => new HeapSegmentTotals(h.Index, h.Gen0, h.Gen1, h.Gen2, h.Loh, h.Poh, h.Free)).ToList();
        return Task.FromResult<object?>(new HeapLayout(index.IsServer ? "server" : "workstation", heaps));
    }

    private async Task<object?> InstancesAsync(JsonElement json, RequestContext context)
    {
        var p = Params<InstancesParams>(json, Methods.Instances);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        int offset = p.Offset ?? 0;
        int limit = p.Limit ?? DefaultInstancesLimit;
        if (offset < 0 || limit < 0) throw AgentException.InvalidParams($"offset and limit must be zero or more (got offset {offset}, limit {limit}).");
        HeapIndex index = snapshot.Index;
        (int[] types, string type) = TypesNamed(snapshot, p.Type);
        bool all = p.All == true;
        SnapshotRetention retention = await RetentionAsync(snapshot, context).ConfigureAwait(false);
        List<int> found = all ? index.InstancesOf(types, offset, limit, context.Cancellation) : LiveInstances(snapshot, types, offset, limit, context.Cancellation);
        var page = found
            .Select(i => new Instance(Json.Hex(index.Addresses[i]), (long)index.SizeOf(i), retention.Tree.RetainedBytes(i), snapshot.Live.IsLive(i) ? null : true))
            .ToList();
        long count = all ? index.CountOf(types) : LiveCount(snapshot, type);
        return new Instances(type, count, page);
    }

    private static long LiveCount(Snapshot snapshot, string name)
    {
        int k = snapshot.Live.Totals.PositionOf(name);
        return k < 0 ? 0 : snapshot.Live.Totals.Counts[k];
    }

    /// <summary>A page of the live instances, in address order: pages of all instances, the unreachable ones skipped.</summary>
    private static List<int> LiveInstances(Snapshot snapshot, int[] types, int offset, int limit, CancellationToken cancellation)
    {
        const int Chunk = 4096;
        var page = new List<int>(Math.Min(limit, Chunk));
        long seen = 0;
        for (int from = 0; page.Count < limit; from += Chunk)
        {
            List<int> chunk = snapshot.Index.InstancesOf(types, from, Chunk, cancellation);
            foreach (int i in chunk)
            {
                if (!snapshot.Live.IsLive(i)) continue;
                if (seen++ >= offset && page.Count < limit) page.Add(i);
            }
            if (chunk.Count < Chunk) break;
        }
        return page;
    }

    private async Task<object?> ObjectAsync(JsonElement json, RequestContext context)
    {
        var p = Params<ObjectParams>(json, Methods.Object);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        ulong address = Json.ParseAddress(p.Address);
        return await snapshot.RunAsync(() => ObjectInspector.Inspect(snapshot, snapshot.RetentionFor(context), address), context.Cancellation).ConfigureAwait(false);
    }

    private async Task<object?> RootsAsync(JsonElement json, RequestContext context)
    {
        var p = Params<RootsParams>(json, Methods.Roots);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        bool byAddress = !string.IsNullOrWhiteSpace(p.Address);
        bool byType = !string.IsNullOrWhiteSpace(p.Type);
        if (byAddress == byType) throw AgentException.InvalidParams("Retention paths need exactly one of an address and a type name.");
        int max = p.Max ?? DefaultRootsMax;
        if (max < 1 || max > MaxRootsMax) throw AgentException.InvalidParams($"max must be between 1 and {MaxRootsMax}, not {max}.");

        HeapIndex index = snapshot.Index;
        if (!byAddress)
        {
            // One example path per retention group, largest retained first (not the first instances by address).
            (int[] types, string type) = TypesNamed(snapshot, p.Type);
            return await snapshot.RunAsync(
                () =>
                {
                    RetentionGroups groups = RetentionGrouper.Group(snapshot, snapshot.RetentionFor(context), type, types, max, context);
                    var examples = new List<RetentionPath>();
                    foreach (RetentionGroup g in groups.Groups)
                    {
                        var found = snapshot.PathFinder.Find(index.IndexOf(Json.ParseAddress(g.Example)), p.Full == true, context.Cancellation);
                        RetentionPath? path = found.Select(f => f.Path).FirstOrDefault(x => x.Root.Kind == g.Root.Kind) ?? found.Select(f => f.Path).FirstOrDefault();
                        if (path is not null) examples.Add(PathBound.Bound(path));
                    }
                    return new RetentionPaths(examples);
                },
                context.Cancellation).ConfigureAwait(false);
        }

        ulong address = Json.ParseAddress(p.Address);
        int target = index.IndexOf(address);
        if (target < 0) throw new AgentException(ErrorCodes.InvalidAddress, $"No object starts at {Json.Hex(address)} in this snapshot: use the address of an instance of a heap type or of a link in a retention path.");
        var targets = new List<int> { target };
        return await snapshot.RunAsync(
            () =>
            {
                if (!snapshot.HasRoots) context.Progress("Reading the roots of the heap (stacks, statics, handles)");
                RetentionPathFinder finder = snapshot.PathFinder;
                var paths = new List<(RootCategory Category, int Order, RetentionPath Path)>();
                for (int t = 0; t < targets.Count; t++)
                {
                    foreach (var (category, path) in finder.Find(targets[t], p.Full == true, context.Cancellation)) paths.Add((category, t, path));
                }
                // Root kind first (stack, static, handles, finalizer), then the targets in index order.
                return new RetentionPaths(paths.OrderBy(x => x.Category).ThenBy(x => x.Order).Select(x => PathBound.Bound(x.Path)).ToList());
            },
            context.Cancellation).ConfigureAwait(false);
    }

    private async Task<object?> RetentionGroupsAsync(JsonElement json, RequestContext context)
    {
        var p = Params<RetentionGroupsParams>(json, Methods.RetentionGroups);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        int max = p.Max ?? RetentionGrouper.DefaultMax;
        if (max < 1 || max > MaxRootsMax) throw AgentException.InvalidParams($"max must be between 1 and {MaxRootsMax}, not {max}.");
        (int[] types, string type) = TypesNamed(snapshot, p.Type);
        return await snapshot.RunAsync(() => RetentionGrouper.Group(snapshot, snapshot.RetentionFor(context), type, types, max, context), context.Cancellation).ConfigureAwait(false);
    }

    private async Task<object?> DominatorsAsync(JsonElement json, RequestContext context)
    {
        var p = Params<DominatorsParams>(json, Methods.Dominators);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        int? parent = null;
        if (!string.IsNullOrWhiteSpace(p.Address))
        {
            ulong address = Json.ParseAddress(p.Address);
            int i = snapshot.Index.IndexOf(address);
            if (i < 0) throw new AgentException(ErrorCodes.InvalidAddress, $"No object starts at {Json.Hex(address)} in this snapshot: use the address of a dominator or of an instance of a heap type.");
            parent = i;
        }
        return await snapshot.RunAsync(() => DominatorList.Page(snapshot, snapshot.RetentionFor(context), parent, p.Top, p.Offset, context.Cancellation), context.Cancellation).ConfigureAwait(false);
    }

    private async Task<object?> DiffAsync(JsonElement json, RequestContext context)
    {
        var p = Params<DiffParams>(json, Methods.Diff);
        HeapDiffer.Check(p.Top, p.Offset, p.Sort);
        Snapshot before = _snapshots.Get(p.Before);
        Snapshot after = _snapshots.Get(p.After);
        bool all = p.All == true;
        // Each snapshot's retention under its own gate, one after the other: never both gates at once.
        var b = HeapStatistics.ByName(before, await RetentionAsync(before, context).ConfigureAwait(false), all);
        var a = HeapStatistics.ByName(after, await RetentionAsync(after, context).ConfigureAwait(false), all);
        var unreachable = new UnreachableSides(
            new CountAndBytes(before.Live.UnreachableCount, before.Live.UnreachableBytes),
            new CountAndBytes(after.Live.UnreachableCount, after.Live.UnreachableBytes));
        return HeapDiffer.Compare(b, a, unreachable, p.Top, p.Offset, p.Filter, p.Sort);
    }

    private async Task<object?> ThreadsAsync(JsonElement json, RequestContext context)
    {
        Snapshot snapshot = _snapshots.Get(Params<SnapshotRef>(json, Methods.Threads).SnapshotId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        return await snapshot.RunAsync(() => ThreadReport.Build(snapshot, context.Cancellation), context.Cancellation).ConfigureAwait(false);
    }

    private async Task<object?> InsightsAsync(JsonElement json, RequestContext context)
    {
        var p = Params<InsightsParams>(json, Methods.Insights);
        Snapshot snapshot = _snapshots.Get(p.SnapshotId);
        Snapshot? baseline = string.IsNullOrEmpty(p.BaselineId) ? null : _snapshots.Get(p.BaselineId);
        await snapshot.ReadyAsync(context).ConfigureAwait(false);
        if (baseline is not null) await baseline.ReadyAsync(context).ConfigureAwait(false);
        if (baseline == snapshot)
            throw AgentException.InvalidParams($"The baseline must be another snapshot than {snapshot.Id}: open an earlier dump of the same program and pass its id.");
        // The baseline's facts under its own gate first, then the inspected snapshot under its gate: never both at once.
        SnapshotFacts? before = baseline is null
            ? null
            : await baseline.RunAsync(() => SnapshotFacts.For(baseline).PrepareAsBaseline(context), context.Cancellation).ConfigureAwait(false);
        return await snapshot.RunAsync(() => InsightEngine.Run(SnapshotFacts.For(snapshot), before, context), context.Cancellation).ConfigureAwait(false);
    }

    /// <summary>The types of that name, and the name as the heap spells it (the runtime's "List`1[System.String]" is accepted too).</summary>
    private static (int[] Types, string Name) TypesNamed(Snapshot snapshot, string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw AgentException.InvalidParams("The type name is missing: give it as the heap statistics list it, e.g. \"System.String\".");
        int[] types = snapshot.Index.Types.Named(name);
        if (types.Length > 0) return (types, name);
        // The runtime's spelling of the same name, as allocation events and reflection write it.
        string heapName = RuntimeTypeNames.ToHeapName(name.Trim());
        types = snapshot.Index.Types.Named(heapName);
        if (types.Length == 0)
        {
            IReadOnlyList<string> like = SameTypeAs(snapshot, name).Concat(snapshot.Index.Types.NamesLike(name, 3)).Distinct().Take(3).ToList();
            string hint = like.Count == 0 ? "" : $" Did you mean {string.Join(" or ", like.Select(n => $"\"{n}\""))}?";
            throw new AgentException(ErrorCodes.UnknownType, $"This snapshot has no objects of type \"{name}\".{hint} Use a name exactly as the heap statistics list it (namespace included, e.g. \"System.String\").");
        }
        return (types, heapName);
    }

    /// <summary>
    /// The heap's names of a type given the way allocation events name it: a nested type without its enclosing type
    /// ("Slot&lt;App.Order&gt;" for "App.Pool&lt;App.Order&gt;+Slot"). Only on the error path: it reads every type's name.
    /// </summary>
    private static IEnumerable<string> SameTypeAs(Snapshot snapshot, string name)
    {
        string key = RuntimeTypeNames.Key(name);
        var types = snapshot.Index.Types;
        return Enumerable.Range(0, types.Count).Select(types.NameOf).Where(n => RuntimeTypeNames.Key(n) == key).Distinct().OrderBy(n => n.Length);
    }

    /// <summary>At agent shutdown: closes every snapshot (waiting, bounded, for index caches being written).</summary>
    public Task ShutdownAsync() => _snapshots.CloseAllAsync();

    private static T Params<T>(JsonElement json, string method)
        where T : new()
    {
        if (json.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return new T();
        if (json.ValueKind != JsonValueKind.Object) throw AgentException.InvalidParams($"The params of {method} must be an object.");
        return json.Deserialize<T>(Json.Options) ?? new T();
    }
}
