// The JSON-RPC 2.0 loop: reads frames from stdin without ever waiting on a handler (so $/cancelRequest is seen
// while a long request runs), runs each request on the thread pool, and writes one reply per request.
using System.Collections.Concurrent;
using System.Text.Json;

namespace HeapLens.Agent.Rpc;

public delegate Task<object?> RequestHandler(JsonElement parameters, RequestContext context);

public sealed class RpcServer
{
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly IReadOnlyDictionary<string, RequestHandler> _handlers;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RpcServer(Stream input, Stream output, IReadOnlyDictionary<string, RequestHandler> handlers)
    {
        _reader = new FrameReader(input);
        _writer = new FrameWriter(output);
        _handlers = handlers;
    }

    /// <summary>Serves until agent/shutdown has been answered or the input ends.</summary>
    public async Task RunAsync()
    {
        Task reading = ReadLoopAsync();
        await Task.WhenAny(reading, _shutdown.Task).ConfigureAwait(false);
        if (reading.IsFaulted) Log.Error("The input stream failed; the agent stops.", reading.Exception?.InnerException);
    }

    private async Task ReadLoopAsync()
    {
        while (true)
        {
            byte[]? body = await _reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (body is null)
            {
                Log.Info("Input ended; the agent stops.");
                return;
            }
            Dispatch(body);
        }
    }

    private void Dispatch(byte[] body)
    {
        JsonElement message;
        try
        {
            using var doc = JsonDocument.Parse(body);
            message = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            Log.Warn($"Ignoring a message that is not JSON: {ex.Message}");
            WriteError(default, ErrorCodes.ParseError, "The message is not valid JSON.");
            return;
        }
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("method", out JsonElement methodElement) || methodElement.ValueKind != JsonValueKind.String)
        {
            // Replies to requests we never send, or junk: nothing to answer.
            return;
        }
        string method = methodElement.GetString()!;
        JsonElement parameters = message.TryGetProperty("params", out JsonElement p) ? p : default;
        if (!message.TryGetProperty("id", out JsonElement id) || id.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            OnNotification(method, parameters);
            return;
        }
        // Registered before the handler starts, so a $/cancelRequest right behind the request is not lost.
        var source = new CancellationTokenSource();
        _running[Key(id)] = source;
        _ = Task.Run(() => HandleRequestAsync(id, method, parameters, source));
    }

    private void OnNotification(string method, JsonElement parameters)
    {
        if (method == Methods.CancelRequest && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("id", out JsonElement id))
        {
            if (_running.TryGetValue(Key(id), out CancellationTokenSource? source))
            {
                Log.Info($"Cancelling request {Key(id)}.");
                try
                {
                    source.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // It finished meanwhile.
                }
            }
        }
    }

    private async Task HandleRequestAsync(JsonElement id, string method, JsonElement parameters, CancellationTokenSource source)
    {
        string key = Key(id);
        var context = new RequestContext(id, source.Token, SendProgress);
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (method == Methods.Shutdown)
            {
                WriteResult(id, null);
                _shutdown.TrySetResult();
                return;
            }
            if (!_handlers.TryGetValue(method, out RequestHandler? handler))
            {
                WriteError(id, ErrorCodes.MethodNotFound, $"The HeapLens agent has no method \"{method}\": the extension and the agent are from different versions; reinstall HeapLens.");
                return;
            }
            object? result = await handler(parameters, context).ConfigureAwait(false);
            try
            {
                WriteResult(id, result);
            }
            catch (ReplyTooLargeException ex)
            {
                Log.Warn($"{method} #{key}: the reply is {ex.Message}; answered with an error instead.");
                WriteError(id, ErrorCodes.ReplyTooLarge, $"The answer to {method} is larger than the agent's reply limit ({ex.Message}): ask for less (fewer paths or instances, a smaller page).");
                return;
            }
            Log.Info($"{method} #{key} answered in {started.ElapsedMilliseconds} ms");
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            Log.Info($"{method} #{key} cancelled after {started.ElapsedMilliseconds} ms");
            WriteError(id, ErrorCodes.Cancelled, $"The request {method} was cancelled.");
        }
        catch (AgentException ex)
        {
            Log.Info($"{method} #{key} failed: {ex.Message}");
            if (ex.InnerException is not null) Log.Error("cause:", ex.InnerException);
            WriteError(id, ex.Code, ex.Message);
        }
        catch (JsonException ex)
        {
            string where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "its params" : $"\"{ex.Path.TrimStart('$', '.')}\"";
            WriteError(id, ErrorCodes.InvalidParams, $"{method} got {where} of the wrong type: check the call against src/protocol/agent.ts.");
        }
        catch (Exception ex)
        {
            Log.Error($"{method} #{key} failed", ex);
            WriteError(id, ErrorCodes.InternalError, $"The HeapLens agent failed on {method}: {OneLine(ex.Message)} (details are in the HeapLens log).");
        }
        finally
        {
            _running.TryRemove(key, out _);
            source.Dispose();
        }
    }

    /// <summary>Sends a notification (no id, no reply): a live session's data, which outlives the request that started it.</summary>
    public void Notify(string method, object parameters) => Write(w =>
    {
        w.WriteString("method", method);
        w.WritePropertyName("params");
        JsonSerializer.Serialize(w, parameters, parameters.GetType(), Json.Options);
    });

    private void SendProgress(ProgressParams progress) => Write(w =>
    {
        w.WriteString("method", Methods.Progress);
        w.WritePropertyName("params");
        JsonSerializer.Serialize(w, progress, Json.Options);
    });

    private void WriteResult(JsonElement id, object? result) => Write(w =>
    {
        WriteId(w, id);
        w.WritePropertyName("result");
        if (result is null) w.WriteNullValue();
        else JsonSerializer.Serialize(w, result, result.GetType(), Json.Options);
    });

    private void WriteError(JsonElement id, int code, string message) => Write(w =>
    {
        WriteId(w, id);
        w.WriteStartObject("error");
        w.WriteNumber("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    private static void WriteId(Utf8JsonWriter w, JsonElement id)
    {
        w.WritePropertyName("id");
        if (id.ValueKind == JsonValueKind.Undefined) w.WriteNullValue();
        else id.WriteTo(w);
    }

    private void Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new CappedBuffer(ReplyLimit.Bytes);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            body(w);
            w.WriteEndObject();
        }
        try
        {
            _writer.Write(buffer.ToArray());
        }
        catch (IOException ex)
        {
            // The client closed our stdout: nobody is listening any more.
            Log.Warn($"Could not write a reply: {ex.Message}");
        }
    }

    private static string Key(JsonElement id) => id.GetRawText();

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
