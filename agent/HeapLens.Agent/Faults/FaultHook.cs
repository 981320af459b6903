// A test hook that makes the agent hang or crash in one chosen request, so the fault-injection suite can check what
// the extension and the CLI do with a hung or crashed agent without a broken dump that really does it.
// HEAPLENS_AGENT_FAULT=<hang|crash>:<method>[:<trigger file>]. With a trigger file the fault fires only while the
// file exists, and deletes it when it fires (one fault per arming, across agent restarts). The TypeScript side
// passes this variable to the agent only when a test asks for it (AgentOptions.faultHook), so a user's environment
// cannot turn it on.
// A hang blocks the request's thread in a way no cancellation reaches, as a DAC call stuck in native code does, and
// inside the snapshot's gate when the request names one, so later requests on that snapshot wait behind it.
using System.Text.Json;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Faults;

public sealed class FaultHook
{
    public const string Variable = "HEAPLENS_AGENT_FAULT";

    private readonly bool _hang;
    private readonly string _method;
    private readonly string? _trigger;

    private FaultHook(bool hang, string method, string? trigger)
    {
        _hang = hang;
        _method = method;
        _trigger = trigger;
    }

    public static FaultHook? FromEnvironment()
    {
        string? spec = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(spec)) return null;
        string[] parts = spec.Split(':', 3);
        if (parts.Length < 2 || parts[0] is not ("hang" or "crash"))
        {
            Log.Warn($"Ignoring {Variable}=\"{spec}\": expected <hang|crash>:<method>[:<trigger file>].");
            return null;
        }
        Log.Warn($"Test fault armed: {parts[0]} in {parts[1]}{(parts.Length > 2 ? $" while {parts[2]} exists" : "")}.");
        return new FaultHook(parts[0] == "hang", parts[1], parts.Length > 2 ? parts[2] : null);
    }

    /// <summary>The handlers, with the chosen method's handler replaced by one that faults first.</summary>
    public IReadOnlyDictionary<string, RequestHandler> Wrap(IReadOnlyDictionary<string, RequestHandler> handlers, SnapshotStore snapshots)
    {
        var wrapped = new Dictionary<string, RequestHandler>(handlers);
        if (handlers.TryGetValue(_method, out RequestHandler? inner))
        {
            wrapped[_method] = async (json, context) =>
            {
                if (Fires()) await FaultAsync(json, snapshots).ConfigureAwait(false);
                return await inner(json, context).ConfigureAwait(false);
            };
        }
        return wrapped;
    }

    private bool Fires()
    {
        if (_trigger is null) return true;
        try
        {
            if (!File.Exists(_trigger)) return false;
            File.Delete(_trigger);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task FaultAsync(JsonElement json, SnapshotStore snapshots)
    {
        if (!_hang)
        {
            Log.Error($"Test fault: crashing in {_method}.");
            Environment.FailFast($"HeapLens test fault in {_method}");
        }
        Log.Warn($"Test fault: {_method} hangs.");
        string? id = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("snapshotId", out JsonElement s) ? s.GetString() : null;
        if (id is not null && snapshots.TryGet(id) is { } snapshot)
            await snapshot.RunAsync(() => { Thread.Sleep(Timeout.Infinite); return 0; }, CancellationToken.None).ConfigureAwait(false);
        Thread.Sleep(Timeout.Infinite);
    }
}
