// What a request handler gets besides its params: the cancellation of its request and a way to report progress.
using System.Text.Json;

namespace HeapLens.Agent.Rpc;

public sealed class RequestContext
{
    private readonly Action<ProgressParams> _sendProgress;

    public RequestContext(JsonElement id, CancellationToken cancellation, Action<ProgressParams> sendProgress)
    {
        Id = id;
        Cancellation = cancellation;
        _sendProgress = sendProgress;
    }

    public JsonElement Id { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>Sends an agent/progress notification tied to this request.</summary>
    public void Progress(string message, int? percent = null) => _sendProgress(new ProgressParams(Id, message, percent));
}
