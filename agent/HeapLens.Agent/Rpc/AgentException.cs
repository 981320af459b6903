// An error meant for the user: becomes a JSON-RPC error reply with this code and message (one line).
namespace HeapLens.Agent.Rpc;

public sealed class AgentException : Exception
{
    public AgentException(int code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    public int Code { get; }

    public static AgentException InvalidParams(string message) => new(ErrorCodes.InvalidParams, message);
}
