// What insights learn about one snapshot, computed once and kept with it: the rooted and reachable objects, the
// ClrMD type of each type number, the static fields, the events and their delegates, the static collections and
// the modules, and the program's `+=` calls. A snapshot used as a baseline is asked for the same facts (under its own
// gate) as the one inspected.
// Everything here reads ClrMD: call only inside Snapshot.RunAsync.
using System.Runtime.CompilerServices;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public sealed class SnapshotFacts
{
    private static readonly ConditionalWeakTable<Snapshot, SnapshotFacts> Cache = new();

    private bool[]? _reachable;
    private TypeCatalog? _types;
    private List<StaticValue>? _statics;
    private List<EventGroup>? _events;
    private Dictionary<string, CollectionFact>? _collections;
    private ModuleCounts? _modules;
    private List<Retainer>? _retainers;
    private List<EventAddCall>? _eventAddCalls;

    private SnapshotFacts(Snapshot snapshot)
    {
        Snapshot = snapshot;
    }

    public Snapshot Snapshot { get; }

    public static SnapshotFacts For(Snapshot snapshot) => Cache.GetValue(snapshot, s => new SnapshotFacts(s));

    public int[] Rooted(CancellationToken cancellation) => Snapshot.Live.Roots;

    /// <summary>Objects some root reaches (Snapshot.Live, as a flag per object). The heap walk also meets garbage the GC
    /// has not collected yet; insights about what the program holds look at reachable objects only.</summary>
    public bool[] Reachable(CancellationToken cancellation)
    {
        if (_reachable is not null) return _reachable;
        var reachable = new bool[Snapshot.Index.Count];
        for (int i = 0; i < reachable.Length; i++) reachable[i] = Snapshot.Live.IsLive(i);
        return _reachable = reachable;
    }

    public TypeCatalog Types => _types ??= TypeCatalog.Build(Snapshot);

    public List<StaticValue> Statics(CancellationToken cancellation) => _statics ??= StaticFields.Read(Snapshot, cancellation);

    public List<EventGroup> Events(CancellationToken cancellation) => _events ??= EventGroup.FindAll(this, cancellation);

    public Dictionary<string, CollectionFact> Collections(CancellationToken cancellation) => _collections ??= CollectionFact.FindAll(this, cancellation);

    /// <summary>The largest top-level retainers (builds the dominator tree on first need).</summary>
    public List<Retainer> Retainers(RequestContext context) =>
        _retainers ??= AccumulationPointInsights.TopRetainers(Snapshot, Snapshot.RetentionFor(context), context.Cancellation);
    /// <summary>The program's calls to event add_ accessors, read from its modules' IL.</summary>
    public List<EventAddCall> EventAddCalls(CancellationToken cancellation) => _eventAddCalls ??= Insights.EventAddCalls.FindAll(Snapshot.Runtime, cancellation);

    public ModuleCounts Modules => _modules ??= ModuleCounts.Of(Snapshot.Runtime);

    /// <summary>Computes what a later snapshot compares against this one (call inside this snapshot's RunAsync).</summary>
    public SnapshotFacts PrepareAsBaseline(RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        Retainers(context);
        Events(cancellation);
        Collections(cancellation);
        _ = Modules;
        return this;
    }
}

/// <summary>Loaded assemblies (one module each in .NET Core) and how many of them were generated at run time.</summary>
public sealed record ModuleCounts(int Assemblies, int Dynamic)
{
    public static ModuleCounts Of(ClrRuntime runtime)
    {
        int all = 0;
        int dynamic = 0;
        foreach (ClrModule module in runtime.EnumerateModules())
        {
            all++;
            if (module.IsDynamic) dynamic++;
        }
        return new ModuleCounts(all, dynamic);
    }
}
