// Allocation samples of a live session: each sampled allocation's type, the bytes it stands for, its time and its
// stack (resolved once per distinct stack, again if first seen before the rundown ended). .NET 10's
// AllocationSampled is an unbiased per-byte sample (an object of S bytes is sampled with probability
// 1 - e^(-S/102,400)); older runtimes give GCAllocationTick, about one event per 100 KB allocated, charged to the
// type of the object that crossed the threshold (biased towards large types).
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace HeapLens.Agent.Tracing;

public sealed class AllocationRecorder
{
    public const string Sampled = "AllocationSampled";
    public const string Tick = "GCAllocationTick";
    private const double SamplingMeanBytes = 100 * 1024;
    private readonly object _gate = new();
    private readonly List<Sample> _sampled = new();
    private readonly List<Sample> _ticks = new();
    private readonly FrameResolver _frames;

    public AllocationRecorder(NativeCodeMaps maps)
    {
        _maps = maps;
        _frames = new FrameResolver(maps);
    }
    private readonly NativeCodeMaps _maps;
    private readonly Dictionary<int, int> _stackIds = new();
    // Stacks resolved before the rundown finished: a busy program's first samples come within milliseconds, before
    // the maps of the methods it compiled earlier; resolved once for good, every later sample of that stack would
    // lose its source line (or be charged to the caller). Resolved again when the stack recurs after the rundown.
    private readonly HashSet<int> _provisional = new();
    private readonly List<Frame[]> _stacks = new();
    private long _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private readonly record struct Sample(long Time, string Type, double Bytes, int Stack);

    public void Subscribe(TraceLogEventSource source)
    {
        // The period starts when events can flow, not when the session was asked for.
        _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        source.Clr.AllocationSampling += e =>
        {
            double p = 1 - Math.Exp(-Math.Max(1, e.ObjectSize) / SamplingMeanBytes);
            Add(_sampled, e, e.TypeName, e.ObjectSize / p);
        };
        source.Clr.GCAllocationTick += e => Add(_ticks, e, e.TypeName, e.AllocationAmount64);
    }

    private void Add(List<Sample> into, TraceEvent e, string? type, double bytes)
    {
        int stack = StackOf(e);
        var sample = new Sample(new DateTimeOffset(e.TimeStamp.ToUniversalTime()).ToUnixTimeMilliseconds(), string.IsNullOrEmpty(type) ? "(unknown type)" : type, bytes, stack);
        lock (_gate) into.Add(sample);
    }

    /// <summary>Interns the event's stack (TraceLog numbers distinct stacks) and resolves its frames once.</summary>
    private int StackOf(TraceEvent e)
    {
        TraceCallStack? stack = e.CallStack();
        if (stack is null) return -1;
        int key = (int)stack.CallStackIndex;
        bool mapsDone = _maps.RundownDone;
        lock (_gate)
        {
            if (_stackIds.TryGetValue(key, out int id) && (!mapsDone || !_provisional.Contains(id))) return id;
        }
        Frame[] frames = _frames.Resolve(stack);
        lock (_gate)
        {
            if (_stackIds.TryGetValue(key, out int id))
            {
                // Samples already taken with this stack share the id, so they get the better frames too.
                if (mapsDone && _provisional.Remove(id)) _stacks[id] = frames;
                return id;
            }
            _stacks.Add(frames);
            id = _stacks.Count - 1;
            _stackIds[key] = id;
            if (!mapsDone) _provisional.Add(id);
            return id;
        }
    }

    public AllocationReport Report(string? type, long? from, long? to, int topTypes, int topSites)
    {
        lock (_gate)
        {
            bool unbiased = _sampled.Count > 0;
            List<Sample> all = unbiased ? _sampled : _ticks;
            long start = from ?? _startedAt;
            long end = to ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var chosen = all.Where(s => s.Time >= start && s.Time <= end && (type is null || s.Type == type)).ToList();
            var types = chosen
                .GroupBy(s => s.Type)
                .Select(g => new AllocatedType(g.Key, g.Count(), (long)Math.Round(g.Sum(s => s.Bytes)), Sites(g.ToList(), topSites)))
                .OrderByDescending(t => t.EstimatedBytes)
                .ThenBy(t => t.Name, StringComparer.Ordinal)
                .Take(topTypes)
                .ToList();
            string sampling = unbiased
                ? "AllocationSampled: a random sample of allocated bytes, about one per 100 KB (unbiased estimates)"
                : "GCAllocationTick: one event per about 100 KB allocated, charged to the object that crossed it (estimates favour large objects)";
            return new AllocationReport(Math.Round((end - start) / 1000.0, 1), unbiased ? Sampled : Tick, sampling, chosen.Count, types);
        }
    }

    /// <summary>Samples grouped by their first frame with a source line (user code), most samples first.</summary>
    private List<AllocationSite> Sites(List<Sample> samples, int top)
    {
        return samples
            .GroupBy(s => SiteKey(s.Stack))
            .Select(g =>
            {
                Frame[] frames = g.First().Stack >= 0 ? _stacks[g.First().Stack] : Array.Empty<Frame>();
                int user = Array.FindIndex(frames, f => f.File is not null);
                Frame site = user >= 0 ? frames[user] : frames.FirstOrDefault(new Frame("(no managed frame)", null, null));
                var stack = frames.Take(user >= 0 ? user + 1 : Math.Min(frames.Length, 8)).Select(f => f.ToString()).ToList();
                return new AllocationSite(site.Method, site.File, site.Line, g.Count(), Math.Round(g.Count() / (double)samples.Count, 4), stack);
            })
            .OrderByDescending(s => s.Samples)
            .ThenBy(s => s.Method, StringComparer.Ordinal)
            .Take(top)
            .ToList();
    }

    private string SiteKey(int stack)
    {
        if (stack < 0) return "";
        Frame[] frames = _stacks[stack];
        Frame? user = frames.FirstOrDefault(f => f.File is not null);
        Frame? first = user ?? frames.FirstOrDefault();
        return first is null ? "" : $"{first.Method}|{first.File}|{first.Line}";
    }
}
