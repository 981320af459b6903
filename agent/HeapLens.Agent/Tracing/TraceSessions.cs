// The live trace sessions of this agent, by id. A session that ended by itself, or was stopped with KeepSamples,
// stays until stopped (again), so its allocation samples can still be read.
using System.Collections.Concurrent;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Tracing;

public sealed class TraceSessions
{
    private readonly ConcurrentDictionary<string, TraceSession> _sessions = new();
    private int _next;

    public async Task<TraceSession> StartAsync(TraceStartParams p, Action<string, object> notify, CancellationToken cancellation)
    {
        string id = $"t{Interlocked.Increment(ref _next)}";
        TraceSession session = await TraceSession.StartAsync(id, p, notify, cancellation).ConfigureAwait(false);
        _sessions[id] = session;
        return session;
    }

    public TraceSession Get(string? id)
    {
        if (id is not null && _sessions.TryGetValue(id, out TraceSession? session)) return session;
        throw new AgentException(ErrorCodes.UnknownTraceSession, $"There is no trace session \"{id}\": it was stopped, or the agent restarted. Start a new one.");
    }

    public async Task StopAsync(string? id, bool keepSamples = false)
    {
        TraceSession session = Get(id);
        if (!keepSamples) _sessions.TryRemove(session.Id, out _);
        await session.StopAsync().ConfigureAwait(false);
    }
}
