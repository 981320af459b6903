// Connects to a running .NET process's diagnostics server through the socket the caller found (the target's own
// TMPDIR: src/diagnostics/diagnosticSockets.ts), and names the runtime's EventPipe providers and keywords we use.
// Every failure to reach the process becomes an AgentException that says what to do.
using System.Diagnostics.Tracing;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.NETCore.Client;

namespace HeapLens.Agent.Tracing;

public static class ClrKeywords
{
    public const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    public const string CountersProvider = "System.Runtime";
    public const long GC = 0x1;
    public const long Loader = 0x8;
    public const long Jit = 0x10;
    public const long GCHeapCollect = 0x800000;
    public const long JittedMethodILToNativeMap = 0x20000;
    /// <summary>.NET 10's randomized allocation sampling (event AllocationSampled, 303).</summary>
    public const long AllocationSampling = 0x80000000000;
}

public sealed class TargetConnection : IAsyncDisposable
{
    private readonly DiagnosticsClientConnector _connector;

    private TargetConnection(DiagnosticsClientConnector connector, int pid)
    {
        _connector = connector;
        Pid = pid;
    }

    public int Pid { get; }

    public DiagnosticsClient Client => _connector.Instance;

    public static async Task<TargetConnection> OpenAsync(string? socketPath, int pid, CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(socketPath)) throw AgentException.InvalidParams("Tracing a process needs the path of its diagnostics socket.");
        if (pid <= 0) throw AgentException.InvalidParams($"\"{pid}\" is not a process id.");
        if (!File.Exists(socketPath))
            throw new AgentException(ErrorCodes.TargetUnreachable, $"The diagnostics socket of process {pid} is gone ({socketPath}): the process has exited.");
        try
        {
            // "<path>,connect": the runtime listens and we connect, as with every default diagnostics server.
            var connector = await DiagnosticsClientConnector.FromDiagnosticPort($"{socketPath},connect", cancellation).ConfigureAwait(false);
            return new TargetConnection(connector, pid);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not AgentException)
        {
            throw Unreachable(pid, ex);
        }
    }

    /// <summary>A session on the runtime; the wait for its reply is bounded by `cancellation`.</summary>
    public async Task<EventPipeSession> StartAsync(IEnumerable<EventPipeProvider> providers, bool rundown, CancellationToken cancellation)
    {
        try
        {
            return await Client.StartEventPipeSessionAsync(providers, rundown, 64, cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Unreachable(Pid, ex);
        }
    }

    public static EventPipeProvider Runtime(long keywords, EventLevel level = EventLevel.Informational) => new(ClrKeywords.RuntimeProvider, level, keywords);

    public static AgentException Unreachable(int pid, Exception ex)
    {
        bool gone = !Directory.Exists($"/proc/{pid}");
        string message = gone
            ? $"Process {pid} exited before the event session could start."
            : $"Process {pid} refused an event session on its diagnostics socket ({OneLine(ex.Message)}). Check that it runs .NET 5 or later with diagnostics enabled.";
        return new AgentException(ErrorCodes.TargetUnreachable, message, ex);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    public async ValueTask DisposeAsync() => await _connector.DisposeAsync().ConfigureAwait(false);
}
