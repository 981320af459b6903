// Allocation samples of a live session: each sampled allocation's type, the bytes it stands for, its time and its
// stack (resolved once per distinct stack). .NET 10's AllocationSampled is an unbiased per-byte sample (an object
// of S bytes is sampled with probability 1 - e^(-S/102,400)); older runtimes give GCAllocationTick, about one event
// per 100 KB allocated, charged to the type of the object that crossed the threshold (biased towards large types).
//
// Bounded: samples are not kept one by one but counted per (second, type, stack), so a session that runs for hours
// holds one entry per distinct allocation site and second, not one per sample. At most MaxCounts entries are kept:
// beyond that the oldest seconds are dropped and reports say from when they count. Distinct stacks are capped too
// (MaxStacks); later new stacks are counted under one "(stack not kept)" entry.
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace HeapLens.Agent.Tracing;

public sealed class AllocationRecorder
{
    public const string Sampled = "AllocationSampled";
    public const string Tick = "GCAllocationTick";
    /// <summary>Counts kept per (second, type, stack) before the oldest seconds are dropped (about 100 bytes each).</summary>
    public const int DefaultMaxCounts = 200_000;
    /// <summary>Distinct stacks resolved and kept; the frames of each are kept once.</summary>
    public const int DefaultMaxStacks = 20_000;
    private const double SamplingMeanBytes = 100 * 1024;
    private const int NoStack = -1;
    private const int StackNotKept = -2;

    private readonly object _gate = new();
    private readonly FrameResolver? _frames;
    private readonly NativeCodeMaps _maps;
    /// <summary>Stacks resolved before the rundown was done: resolved again (in place) when next seen after it.</summary>
    private readonly HashSet<int> _provisional = new();
    private readonly int _maxCounts;
    private readonly int _maxStacks;
    /// <summary>Second (ms since the epoch / 1000) → counts of that second; unbiased and tick samples apart.</summary>
    private readonly SortedDictionary<long, Dictionary<Key, Count>> _seconds = new();
    private readonly Dictionary<string, int> _typeIds = new(StringComparer.Ordinal);
    private readonly List<string> _types = new();
    private readonly Dictionary<int, int> _stackIds = new();
    private readonly List<Frame[]> _stacks = new();
    private int _counts;
    private long _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private long? _droppedBefore;

    private readonly record struct Key(bool Unbiased, int Type, int Stack);

    private sealed class Count
    {
        public int Samples;
        public double Bytes;
    }

    public AllocationRecorder(NativeCodeMaps maps, int maxCounts = DefaultMaxCounts, int maxStacks = DefaultMaxStacks)
    {
        _frames = new FrameResolver(maps);
        _maps = maps;
        _maxCounts = maxCounts;
        _maxStacks = maxStacks;
    }

    /// <summary>How many (second, type, stack) counts are kept now (tests check the bound).</summary>
    public int CountsKept
    {
        get
        {
            lock (_gate) return _counts;
        }
    }

    public void Subscribe(TraceLogEventSource source)
    {
        // The period starts when events can flow, not when the session was asked for.
        _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        source.Clr.AllocationSampling += e =>
        {
            double p = 1 - Math.Exp(-Math.Max(1, e.ObjectSize) / SamplingMeanBytes);
            Record(true, Epoch(e), e.TypeName, e.ObjectSize / p, StackOf(e));
        };
        source.Clr.GCAllocationTick += e => Record(false, Epoch(e), e.TypeName, e.AllocationAmount64, StackOf(e));
    }

    private static long Epoch(TraceEvent e) => new DateTimeOffset(e.TimeStamp.ToUniversalTime()).ToUnixTimeMilliseconds();

    /// <summary>Counts one sample: `unbiased` for AllocationSampled, else GCAllocationTick; `stack` from AddStack (or -1).</summary>
    public void Record(bool unbiased, long time, string? type, double bytes, int stack)
    {
        string name = string.IsNullOrEmpty(type) ? "(unknown type)" : type;
        lock (_gate)
        {
            // Keyed by the event's text; kept under the heap's spelling, so the names paste into heap commands.
            if (!_typeIds.TryGetValue(name, out int typeId))
            {
                typeId = _types.Count;
                _types.Add(RuntimeTypeNames.ToHeapName(name));
                _typeIds[name] = typeId;
            }
            long second = Math.DivRem(time, 1000, out long rem) - (rem < 0 ? 1 : 0);
            if (_droppedBefore is long dropped && time < dropped) return;
            if (!_seconds.TryGetValue(second, out var counts)) _seconds[second] = counts = new Dictionary<Key, Count>();
            var key = new Key(unbiased, typeId, stack);
            if (!counts.TryGetValue(key, out Count? count))
            {
                counts[key] = count = new Count();
                _counts++;
            }
            count.Samples++;
            count.Bytes += bytes;
            // Over the bound: the oldest seconds go (never the one just counted).
            while (_counts > _maxCounts && _seconds.Count > 1)
            {
                var oldest = _seconds.First();
                _seconds.Remove(oldest.Key);
                _counts -= oldest.Value.Count;
                _droppedBefore = (oldest.Key + 1) * 1000;
            }
        }
    }

    /// <summary>Keeps a resolved stack (innermost frame first) and returns its number for Record.</summary>
    public int AddStack(Frame[] frames)
    {
        lock (_gate)
        {
            if (_stacks.Count >= _maxStacks) return StackNotKept;
            _stacks.Add(frames);
            return _stacks.Count - 1;
        }
    }

    /// <summary>
    /// Interns the event's stack (TraceLog numbers distinct stacks) and resolves its frames once; a stack first seen
    /// before the rundown named the older methods is resolved again, in place, when seen after it.
    /// </summary>
    private int StackOf(TraceEvent e)
    {
        TraceCallStack? stack = e.CallStack();
        if (stack is null) return NoStack;
        int key = (int)stack.CallStackIndex;
        bool done = _maps.RundownDone;
        lock (_gate)
        {
            if (_stackIds.TryGetValue(key, out int known))
            {
                if (!(done && _provisional.Contains(known))) return known;
            }
            else if (_stacks.Count >= _maxStacks) return StackNotKept;
        }
        Frame[] frames = _frames!.Resolve(stack);
        lock (_gate)
        {
            if (_stackIds.TryGetValue(key, out int id))
            {
                if (done && _provisional.Remove(id)) _stacks[id] = frames;
                return id;
            }
            id = AddStack(frames);
            if (id >= 0)
            {
                _stackIds[key] = id;
                if (!done) _provisional.Add(id);
            }
            return id;
        }
    }

    public AllocationReport Report(string? type, long? from, long? to, int topTypes, int topSites)
    {
        lock (_gate)
        {
            long start = Math.Max(from ?? _startedAt, _droppedBefore ?? long.MinValue);
            long end = to ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // Counts are per second: a second is in the period when it overlaps it.
            // The type as the heap names it ("Pool<OrderLine>+Slot") or as the runtime's events do ("Slot[OrderLine]").
            string? wanted = type is null ? null : RuntimeTypeNames.Key(type);
            var matching = wanted is null ? null : Enumerable.Range(0, _types.Count).Where(t => RuntimeTypeNames.Key(_types[t]) == wanted).ToHashSet();
            var chosen = _seconds
                .Where(s => (s.Key + 1) * 1000 > start && s.Key * 1000 <= end)
                .SelectMany(s => s.Value)
                .Where(c => matching is null || matching.Contains(c.Key.Type))
                .ToList();
            bool unbiased = chosen.Any(c => c.Key.Unbiased);
            var kept = chosen.Where(c => c.Key.Unbiased == unbiased).ToList();
            var types = kept
                .GroupBy(c => c.Key.Type)
                .Select(g => new AllocatedType(_types[g.Key], g.Sum(c => c.Value.Samples), (long)Math.Round(g.Sum(c => c.Value.Bytes)), Sites(g.ToList(), topSites)))
                .OrderByDescending(t => t.EstimatedBytes)
                .ThenBy(t => t.Name, StringComparer.Ordinal)
                .Take(topTypes)
                .ToList();
            string sampling = unbiased
                ? "AllocationSampled: a random sample of allocated bytes, about one per 100 KB (unbiased estimates)"
                : "GCAllocationTick: one event per about 100 KB allocated, charged to the object that crossed it (estimates favour large objects)";
            long? droppedBefore = _droppedBefore is long d && (from ?? _startedAt) < d ? d : null;
            return new AllocationReport(Math.Round((end - start) / 1000.0, 1), unbiased ? Sampled : Tick, sampling, kept.Sum(c => c.Value.Samples), types, droppedBefore);
        }
    }

    /// <summary>Counts grouped by their first frame with a source line (user code), most samples first.</summary>
    private List<AllocationSite> Sites(List<KeyValuePair<Key, Count>> counts, int top)
    {
        int total = counts.Sum(c => c.Value.Samples);
        return counts
            .GroupBy(c => SiteKey(c.Key.Stack))
            .Select(g =>
            {
                int stackId = g.First().Key.Stack;
                Frame[] frames = stackId >= 0 ? _stacks[stackId] : Array.Empty<Frame>();
                int user = Array.FindIndex(frames, f => f.File is not null);
                var fallback = new Frame(stackId == StackNotKept ? $"(stack not kept: more than {_maxStacks} distinct stacks)" : "(no managed frame)", null, null);
                Frame site = user >= 0 ? frames[user] : frames.FirstOrDefault(fallback);
                var stack = frames.Take(user >= 0 ? user + 1 : Math.Min(frames.Length, 8)).Select(f => f.ToString()).ToList();
                int samples = g.Sum(c => c.Value.Samples);
                return new AllocationSite(site.Method, site.File, site.Line, samples, Math.Round(samples / (double)total, 4), stack);
            })
            .OrderByDescending(s => s.Samples)
            .ThenBy(s => s.Method, StringComparer.Ordinal)
            .Take(top)
            .ToList();
    }

    private string SiteKey(int stack)
    {
        if (stack < 0) return stack.ToString();
        Frame[] frames = _stacks[stack];
        Frame? user = frames.FirstOrDefault(f => f.File is not null);
        Frame? first = user ?? frames.FirstOrDefault();
        return first is null ? "" : $"{first.Method}|{first.File}|{first.Line}";
    }
}
