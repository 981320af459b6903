// The wire shapes of heap/insights, field for field as declared in src/protocol/agent.ts (Insight, InsightsParams).
// Figures are numbers or short texts keyed in camelCase; their meaning per kind is documented in that file.
using System.Text.Json.Serialization;

namespace HeapLens.Agent.Insights;

public sealed class InsightsParams
{
    public string? SnapshotId { get; set; }

    /// <summary>An earlier snapshot of the same program: growth is measured against it.</summary>
    public string? BaselineId { get; set; }
}

/// <param name="Role">"subscription" (a `+=` line) or "handler" (an event handler's first line); null for other kinds.</param>
/// <param name="Method">The method the line is in, "Namespace.Type.Method".</param>
/// <param name="Handlers">On a subscription: the handlers it added, when the delegates' methods tell it.</param>
public sealed record InsightLocation(string File, int Line, string? Role = null, string? Method = null, long? Handlers = null);

public static class LocationRole
{
    public const string Subscription = "subscription";
    public const string Handler = "handler";
}

public sealed record Insight(
    string Kind,
    string Severity,
    string Title,
    string Detail,
    IReadOnlyDictionary<string, object> Figures,
    IReadOnlyList<InsightLocation> Locations,
    IReadOnlyList<string>? Types = null,
    IReadOnlyList<string>? Addresses = null);

public sealed record InsightList([property: JsonPropertyName("insights")] IReadOnlyList<Insight> Items);

/// <summary>The kinds and severities as they travel on the wire.</summary>
public static class InsightKind
{
    public const string AccumulationPoint = "accumulation-point";
    public const string EventHandlers = "event-handlers";
    public const string GrowingCollection = "growing-collection";
    public const string DuplicateStrings = "duplicate-strings";
    public const string LohFragmentation = "loh-fragmentation";
    public const string Finalizers = "finalizers";
    public const string Threads = "threads";
    public const string DynamicAssemblies = "dynamic-assemblies";
    public const string ServerGc = "server-gc";

    /// <summary>The order insights of equal severity are listed in.</summary>
    public static readonly string[] Order =
    {
        AccumulationPoint, EventHandlers, GrowingCollection, DuplicateStrings, LohFragmentation, Finalizers, Threads, DynamicAssemblies, ServerGc,
    };
}

public static class Severity
{
    public const string Warning = "warning";
    public const string Info = "info";
}

/// <summary>Builds the figures of an insight in the order they are added (the order people read them in).</summary>
public sealed class Figures
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    public Figures Add(string name, long value)
    {
        _values[name] = value;
        return this;
    }

    public Figures Add(string name, double value)
    {
        _values[name] = Math.Round(value, 1);
        return this;
    }

    public Figures Add(string name, string value)
    {
        _values[name] = value;
        return this;
    }

    public IReadOnlyDictionary<string, object> Build() => _values;
}
