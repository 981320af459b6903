// One live EventPipe session to a running process: the System.Runtime counters once a second and every GC (sent
// as notifications while it runs), and optionally allocation samples with their stacks (kept for trace/allocations).
// It ends when the user stops it, when the process exits (the stream ends), or when the stream breaks; each way
// sends one trace/ended notification with a sentence for the user. Counters and allocations together take two
// event sessions: the real-time TraceLog that resolves allocation stacks does not pass EventCounters on, so the
// counters and GCs come from a plain session of their own.
using System.Diagnostics.Tracing;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace HeapLens.Agent.Tracing;

public sealed class TraceSession
{
    private static readonly TimeSpan QuietInterval = TimeSpan.FromMilliseconds(400);
    private readonly object _gate = new();
    private readonly CounterBatch _batch = new();
    private readonly Dictionary<int, (long Time, double RelativeMs, int Generation, string Reason)> _gcStarts = new();
    private readonly Action<string, object> _notify;
    private readonly TargetConnection _target;
    private readonly Timer _quiet;
    private readonly NativeCodeMaps _maps = new();
    private EventPipeSession? _session;
    private EventPipeSession? _allocationSession;
    private Task _reading = Task.CompletedTask;
    private Task _allocationReading = Task.CompletedTask;
    private int _ended;
    private volatile bool _stopping;

    private TraceSession(string id, TargetConnection target, Action<string, object> notify, bool allocations)
    {
        Id = id;
        _target = target;
        _notify = notify;
        _quiet = new Timer(_ => Flush(), null, Timeout.Infinite, Timeout.Infinite);
        Allocations = allocations ? new AllocationRecorder(_maps) : null;
    }

    public string Id { get; }

    public int Pid => _target.Pid;

    /// <summary>Allocation samples, when the session samples allocations.</summary>
    public AllocationRecorder? Allocations { get; }

    public Task Completion => _reading;

    public static async Task<TraceSession> StartAsync(string id, TraceStartParams p, Action<string, object> notify, CancellationToken cancellation)
    {
        bool counters = p.Counters ?? true;
        bool allocations = p.Allocations ?? false;
        if (!counters && !allocations) throw AgentException.InvalidParams("A trace session needs counters, allocations or both.");
        TargetConnection target = await TargetConnection.OpenAsync(p.SocketPath, p.Pid, cancellation).ConfigureAwait(false);
        var session = new TraceSession(id, target, notify, allocations);
        try
        {
            await session.BeginAsync(counters, allocations, cancellation).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task BeginAsync(bool counters, bool allocations, CancellationToken cancellation)
    {
        if (allocations)
        {
            // GCAllocationTick is a verbose GC event; AllocationSampled (.NET 10) has its own keyword. Method and
            // module loads with their IL maps turn stack addresses into methods and IL offsets.
            long keywords = ClrKeywords.GC | ClrKeywords.Loader | ClrKeywords.Jit | ClrKeywords.JittedMethodILToNativeMap | ClrKeywords.AllocationSampling;
            EventPipeSession sampling = await _target.StartAsync(new[] { TargetConnection.Runtime(keywords, EventLevel.Verbose) }, rundown: false, cancellation).ConfigureAwait(false);
            if (counters) _allocationSession = sampling;
            else _session = sampling;
            // Without counters this is the session whose end ends the trace, and it reports the GCs too.
            Task reading = Task.Run(() => Read(sampling, allocations: true, gcs: !counters), CancellationToken.None);
            if (counters) _allocationReading = reading;
            else _reading = reading;
        }
        if (counters)
        {
            var providers = new List<EventPipeProvider>
            {
                TargetConnection.Runtime(ClrKeywords.GC),
                new(ClrKeywords.CountersProvider, EventLevel.Informational, -1, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" }),
            };
            try
            {
                _session = await _target.StartAsync(providers, rundown: false, cancellation).ConfigureAwait(false);
            }
            catch
            {
                if (_allocationSession is not null) await InducedCollection.StopQuietly(_allocationSession, _allocationReading).ConfigureAwait(false);
                throw;
            }
            EventPipeSession session = _session;
            _reading = Task.Run(() => Read(session, allocations: false, gcs: true), CancellationToken.None);
        }
        // After the live session started, so no method compiled in between is missed (a body seen twice is harmless).
        if (allocations) await _maps.RundownAsync(_target.Client, cancellation).ConfigureAwait(false);
    }

    private void Read(EventPipeSession session, bool allocations, bool gcs)
    {
        string reason = "exited";
        string message = $"Process {Pid} exited; the session ended.";
        try
        {
            if (allocations)
            {
                // A real-time TraceLog resolves each event's stack to methods: a short rundown session first names
                // the methods compiled before this session started.
                using TraceLogEventSource source = TraceLog.CreateFromEventPipeSession(session, TraceLog.EventPipeRundownConfiguration.Enable(_target.Client));
                if (gcs) Subscribe(source);
                _maps.Subscribe(source);
                Allocations!.Subscribe(source);
                source.Process();
            }
            else
            {
                using var source = new EventPipeEventSource(session.EventStream);
                Subscribe(source);
                source.Process();
            }
            if (_stopping)
            {
                reason = "stopped";
                message = "The session was stopped.";
            }
            else if (!ProcessGone())
            {
                reason = "failed";
                message = $"Process {Pid} ended the event session (is another tool tracing it?).";
            }
        }
        catch (Exception ex) when (_stopping)
        {
            Log.Info($"trace {Id} stopped: {ex.Message}");
            reason = "stopped";
            message = "The session was stopped.";
        }
        catch (Exception ex)
        {
            bool gone = ProcessGone();
            Log.Warn($"trace {Id} broke off: {ex.Message}");
            if (!gone)
            {
                reason = "failed";
                message = $"The event session with process {Pid} broke off: {ex.Message.ReplaceLineEndings(" ")}";
            }
        }
        Flush();
        End(reason, message);
    }

    /// <summary>The process exited: no /proc entry, or a zombie its parent has not reaped yet (checked for a second).</summary>
    private bool ProcessGone()
    {
        for (int i = 0; i < 10; i++)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{Pid}/stat");
                // The state follows the command name in parentheses: Z zombie, X dead.
                char state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
                if (state is 'Z' or 'X') return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
            {
                return true;
            }
            Thread.Sleep(100);
        }
        return false;
    }

    private void Subscribe(TraceEventDispatcher source)
    {
        source.Clr.GCStart += e =>
        {
            lock (_gate) _gcStarts[e.Count] = (Epoch(e.TimeStamp), e.TimeStampRelativeMSec, e.Depth, e.Reason.ToString());
        };
        source.Clr.GCStop += e =>
        {
            (long Time, double RelativeMs, int Generation, string Reason) start;
            lock (_gate)
            {
                if (!_gcStarts.Remove(e.Count, out start)) return;
            }
            _notify(Methods.TraceGc, new GcEvent(Id, start.Time, e.Count, start.Generation, start.Reason, Math.Round(Math.Max(0, e.TimeStampRelativeMSec - start.RelativeMs), 3)));
        };
        source.Dynamic.All += e =>
        {
            if (e.EventName != "EventCounters" || e.ProviderName != ClrKeywords.CountersProvider) return;
            if (e.PayloadValue(0) is not IDictionary<string, object> outer || outer.TryGetValue("Payload", out object? inner) is false || inner is not IDictionary<string, object> payload) return;
            if (payload.TryGetValue("Name", out object? nameValue) is false || nameValue is not string name) return;
            // Mean for polling counters, Increment for incrementing ones.
            double value = payload.TryGetValue("Increment", out object? inc) ? Convert.ToDouble(inc) : payload.TryGetValue("Mean", out object? mean) ? Convert.ToDouble(mean) : double.NaN;
            if (double.IsNaN(value)) return;
            double interval = payload.TryGetValue("IntervalSec", out object? sec) ? Convert.ToDouble(sec) : 1;
            CounterSample? finished;
            lock (_gate) finished = _batch.Add(Id, name, value, interval, Epoch(e.TimeStamp));
            if (finished is not null) _notify(Methods.TraceCounters, finished);
            _quiet.Change(QuietInterval, Timeout.InfiniteTimeSpan);
        };
    }

    private void Flush()
    {
        CounterSample? sample;
        lock (_gate) sample = _batch.Take(Id);
        if (sample is not null) _notify(Methods.TraceCounters, sample);
    }

    private void End(string reason, string message)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1) return;
        _quiet.Dispose();
        _notify(Methods.TraceEnded, new TraceEnded(Id, reason, message));
    }

    /// <summary>Stops the session (bounded: a process that does not answer is left to end it when the pipe closes).</summary>
    public async Task StopAsync()
    {
        // A second stop (the samples were kept, now they go) has nothing left to stop.
        if (_stopping) return;
        _stopping = true;
        if (_allocationSession is not null) await InducedCollection.StopQuietly(_allocationSession, _allocationReading).ConfigureAwait(false);
        if (_session is not null) await InducedCollection.StopQuietly(_session, _reading).ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
        End("stopped", "The session was stopped.");
    }

    private static long Epoch(DateTime time) => new DateTimeOffset(time.ToUniversalTime()).ToUnixTimeMilliseconds();
}
