// The JSON-RPC method names and error codes of the agent's wire (mirror of src/protocol/agent.ts).
// Method names appear here and in that file only.
namespace HeapLens.Agent.Rpc;

public static class Methods
{
    public const string Open = "snapshot/open";
    public const string Close = "snapshot/close";
    public const string Stats = "heap/stats";
    public const string Layout = "heap/layout";
    public const string Instances = "heap/instances";
    public const string Object = "heap/object";
    public const string Roots = "heap/roots";
    public const string RetentionGroups = "heap/retentionGroups";
    public const string Dominators = "heap/dominators";
    public const string Diff = "heap/diff";
    public const string Threads = "runtime/threads";
    public const string Insights = "heap/insights";
    public const string Collect = "process/collect";
    public const string TraceStart = "trace/start";
    public const string TraceStop = "trace/stop";
    public const string TraceAllocations = "trace/allocations";
    public const string Shutdown = "agent/shutdown";
    public const string Version = "agent/version";

    /// <summary>Notification the agent sends during long steps.</summary>
    public const string Progress = "agent/progress";

    /// <summary>Notifications of a live trace session: one counter sample a second, each GC, and its end.</summary>
    public const string TraceCounters = "trace/counters";
    public const string TraceGc = "trace/gc";
    public const string TraceEnded = "trace/ended";

    /// <summary>Notification vscode-jsonrpc sends when a caller cancels a request.</summary>
    public const string CancelRequest = "$/cancelRequest";
}

/// <summary>Error codes (AgentErrorCode in src/protocol/agent.ts, plus JSON-RPC's own).</summary>
public static class ErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int Cancelled = -32800;

    public const int DumpUnreadable = 1001;
    public const int UnknownSnapshot = 1002;
    public const int UnknownType = 1003;
    public const int InvalidAddress = 1004;
    /// <summary>The running process could not be reached through its diagnostics socket, or went away.</summary>
    public const int TargetUnreachable = 1005;
    /// <summary>The running process did not do what was asked within the time limit.</summary>
    public const int TargetTimedOut = 1006;
    public const int UnknownTraceSession = 1007;
    /// <summary>The reply would be larger than the agent's reply limit (Rpc/ReplyLimit.cs).</summary>
    public const int ReplyTooLarge = 1008;
}
