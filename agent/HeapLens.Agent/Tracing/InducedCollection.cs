// Collect before capture: a full blocking GC in a running process, induced from outside the way dotnet-gcdump does
// it. Opening an EventPipe session with the runtime provider's GCHeapCollect keyword makes the runtime run a
// blocking gen2 GC; we wait for that GC's end event, stop the sessions, and only then may the dump be written, so
// it holds no garbage. Every step is bounded by the caller's timeout and cancellation.
using System.Diagnostics;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace HeapLens.Agent.Tracing;

public static class InducedCollection
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(4);

    public static async Task<CollectResult> RunAsync(string? socketPath, int pid, int timeoutMs, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeoutMs);
        try
        {
            await using TargetConnection target = await TargetConnection.OpenAsync(socketPath, pid, limit.Token).ConfigureAwait(false);
            // Two sessions, as the runtime wants it: a session that asks for the GC does not itself see the GC's
            // events, so a first session watches GCStart/GCEnd and a second one, opened after it, triggers the GC.
            using EventPipeSession watching = await target.StartAsync(new[] { TargetConnection.Runtime(ClrKeywords.GC) }, rundown: false, limit.Token).ConfigureAwait(false);
            var ended = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            Task reading = Task.Run(() => ReadUntilCollected(watching, ended), CancellationToken.None);
            try
            {
                // The runtime runs the GC while it enables the trigger session, before it answers; the watching
                // session's events of that GC were seen to arrive only once the trigger session stops, so it is
                // stopped at once. Should the end event still not come within RetryAfter, the GC is asked for again
                // (a second full GC is harmless).
                for (int attempt = 1; ; attempt++)
                {
                    // The runtime (9+) skips a request whose client sequence number ("Id") it has seen last: a new one each time.
                    var arguments = new Dictionary<string, string> { ["Id"] = NextSequenceNumber().ToString(System.Globalization.CultureInfo.InvariantCulture) };
                    var provider = new EventPipeProvider(ClrKeywords.RuntimeProvider, System.Diagnostics.Tracing.EventLevel.Informational, ClrKeywords.GCHeapCollect, arguments);
                    EventPipeSession trigger = await target.StartAsync(new[] { provider }, rundown: false, limit.Token).ConfigureAwait(false);
                    // The runtime only ends a session whose stream is read: drain it.
                    Task draining = Task.Run(() => Drain(trigger), CancellationToken.None);
                    await StopQuietly(trigger, draining).ConfigureAwait(false);
                    Task done = await Task.WhenAny(ended.Task, Task.Delay(RetryAfter, limit.Token)).ConfigureAwait(false);
                    limit.Token.ThrowIfCancellationRequested();
                    if (done == ended.Task)
                    {
                        int gcNumber = await ended.Task.ConfigureAwait(false);
                        Log.Info($"Process {pid}: GC #{gcNumber} ended {watch.ElapsedMilliseconds} ms after the request (attempt {attempt}).");
                        return new CollectResult(true, gcNumber, watch.ElapsedMilliseconds);
                    }
                    Log.Info($"Process {pid}: no GC seen {watch.ElapsedMilliseconds} ms after trigger {attempt}; asking again.");
                }
            }
            finally
            {
                await StopQuietly(watching, reading).ConfigureAwait(false);
                Log.Info($"Process {pid}: event sessions stopped {watch.ElapsedMilliseconds} ms after the request.");
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new AgentException(ErrorCodes.TargetTimedOut, $"Process {pid} did not run a garbage collection within {Seconds(timeoutMs)}.");
        }
    }

    private static void Drain(EventPipeSession session)
    {
        try
        {
            using var source = new EventPipeEventSource(session.EventStream);
            source.Process();
        }
        catch (Exception ex)
        {
            Log.Info($"The GC trigger session ended: {ex.Message}");
        }
    }

    /// <summary>Reads the stream until the induced GC (a blocking gen2 that started after the session did) ends.</summary>
    private static void ReadUntilCollected(EventPipeSession session, TaskCompletionSource<int> ended)
    {
        try
        {
            using var source = new EventPipeEventSource(session.EventStream);
            int induced = -1;
            source.Clr.GCStart += e =>
            {
                // A blocking gen2 GC; a background GC already running is not ours.
                if (induced < 0 && e.Depth == 2 && e.Type != GCType.BackgroundGC) induced = e.Count;
            };
            source.Clr.GCStop += e =>
            {
                if (e.Count == induced)
                {
                    ended.TrySetResult(e.Count);
                    source.StopProcessing();
                }
            };
            source.Process();
            ended.TrySetException(new AgentException(ErrorCodes.TargetUnreachable, "The process ended the event session before its garbage collection finished (did it exit?)."));
        }
        catch (Exception ex)
        {
            ended.TrySetException(new AgentException(ErrorCodes.TargetUnreachable, $"The event session broke off before the garbage collection finished: {ex.Message}", ex));
        }
    }

    /// <summary>Stops the session and lets the reader finish; a process that does not answer is left after StopLimit.</summary>
    public static async Task StopQuietly(EventPipeSession session, Task reading)
    {
        try
        {
            using var stop = new CancellationTokenSource(StopLimit);
            await session.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.Info($"Stopping the event session: {ex.Message}");
        }
        // Disposing closes the stream, which ends a reader still waiting for data.
        session.Dispose();
        await Task.WhenAny(reading, Task.Delay(StopLimit)).ConfigureAwait(false);
    }

    private static long s_sequence = DateTime.UtcNow.Ticks;

    private static long NextSequenceNumber() => Interlocked.Increment(ref s_sequence);

    private static string Seconds(int ms) => ms >= 1000 ? $"{Math.Round(ms / 100.0) / 10} s" : $"{ms} ms";
}
