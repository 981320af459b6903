// Turns the System.Runtime EventCounters of one interval (one event per counter) into one CounterSample. The
// runtime sends them one by one, so a batch ends when a counter comes round again or when the interval is quiet.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Tracing;

public sealed class CounterBatch
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private double _intervalSec = 1;
    private long _time;

    public bool IsEmpty => _values.Count == 0;

    /// <summary>Adds one counter; returns the finished batch first when this counter already had a value in it.</summary>
    public CounterSample? Add(string sessionId, string name, double value, double intervalSec, long time)
    {
        CounterSample? finished = _values.ContainsKey(name) ? Take(sessionId) : null;
        _values[name] = value;
        if (intervalSec > 0) _intervalSec = intervalSec;
        _time = time;
        return finished;
    }

    public CounterSample? Take(string sessionId)
    {
        if (_values.Count == 0) return null;
        // A batch with none of the memory counters (the runtime's first round can hold only others) says nothing:
        // sent on, it was a line of dashes (JSON all null) before the first real sample.
        if (!MemoryCounters.Any(_values.ContainsKey))
        {
            _values.Clear();
            return null;
        }
        // gc-heap-size and working-set come in MB (bytes / 1,000,000); the generation sizes in bytes; alloc-rate and
        // the GC counts as the increment over the interval.
        var sample = new CounterSample(
            sessionId,
            _time,
            Bytes("gc-heap-size", 1_000_000),
            Bytes("gen-0-size", 1),
            Bytes("gen-1-size", 1),
            Bytes("gen-2-size", 1),
            Bytes("loh-size", 1),
            Bytes("poh-size", 1),
            _values.TryGetValue("alloc-rate", out double alloc) ? Math.Round(alloc / _intervalSec) : null,
            new GcCounts(Count("gen-0-gc-count"), Count("gen-1-gc-count"), Count("gen-2-gc-count")),
            Bytes("working-set", 1_000_000),
            _values.TryGetValue("time-in-gc", out double inGc) ? inGc : null);
        _values.Clear();
        return sample;
    }

    private static readonly string[] MemoryCounters =
        ["gc-heap-size", "gen-0-size", "gen-1-size", "gen-2-size", "loh-size", "poh-size", "alloc-rate", "working-set",
         "gen-0-gc-count", "gen-1-gc-count", "gen-2-gc-count"];

    private long? Bytes(string name, double scale) => _values.TryGetValue(name, out double v) ? (long)Math.Round(v * scale) : null;

    private long? Count(string name) => _values.TryGetValue(name, out double v) ? (long)Math.Round(v) : null;
}
