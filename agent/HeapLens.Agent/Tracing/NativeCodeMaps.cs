// Where each compiled method body lies in memory and how its native offsets map back to IL offsets, from the
// runtime's method events: MethodLoadVerbose + MethodILToNativeMap while the session runs, and the same pair from
// a rundown (MethodDCStopVerbose + MethodILToNativeMapDCStop) for methods compiled before it started. TraceLog's
// real-time mode names a frame's method but gives no IL offset, so the line lookup needs this.
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace HeapLens.Agent.Tracing;

public sealed class NativeCodeMaps
{
    private readonly object _gate = new();
    private readonly List<Body> _bodies = new();
    private bool _sorted = true;
    // A map and its body arrive as two events in either order: whichever comes second completes the pair.
    private readonly Dictionary<long, (int[] Il, int[] Native)> _pendingMaps = new();
    private readonly Dictionary<long, Body> _bodyWithoutMap = new();

    /// <summary>The IL offset the runtime's maps give the prolog (ICorDebugInfo: NO_MAPPING -1, PROLOG -2, EPILOG -3).</summary>
    private const int Prolog = -2;

    private sealed class Body
    {
        public ulong Start;
        public uint Size;
        public int[]? Il;
        public int[]? Native;
    }

    public void Subscribe(TraceEventDispatcher source)
    {
        source.Clr.MethodLoadVerbose += e => AddBody(e.MethodID, e.MethodStartAddress, (uint)e.MethodSize);
        source.Clr.MethodILToNativeMap += AddMap;
    }

    /// <summary>
    /// True once the rundown has delivered what it will (or failed): until then a method compiled before the session
    /// may still lack its map, so a stack resolved earlier is only provisional.
    /// </summary>
    public bool RundownDone => Volatile.Read(ref _rundownDone);

    private bool _rundownDone;

    /// <summary>A short session with a rundown: the bodies and maps of every method compiled so far.</summary>
    public async Task RundownAsync(DiagnosticsClient client, CancellationToken cancellation)
    {
        try
        {
            await ReadRundownAsync(client, cancellation).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _rundownDone, true);
        }
    }

    private async Task ReadRundownAsync(DiagnosticsClient client, CancellationToken cancellation)
    {
        var providers = new[] { new EventPipeProvider(ClrKeywords.RuntimeProvider, EventLevel.Informational, ClrKeywords.Loader) };
        using EventPipeSession session = await client.StartEventPipeSessionAsync(providers, true, 64, cancellation).ConfigureAwait(false);
        Task reading = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            var rundown = new ClrRundownTraceEventParser(source);
            rundown.MethodDCStopVerbose += e => AddBody(e.MethodID, e.MethodStartAddress, (uint)e.MethodSize);
            rundown.MethodILToNativeMapDCStop += AddMap;
            source.Process();
        }, CancellationToken.None);
        await session.StopAsync(cancellation).ConfigureAwait(false);
        await reading.WaitAsync(TimeSpan.FromSeconds(30), cancellation).ConfigureAwait(false);
    }

    private void AddBody(long methodId, ulong start, uint size)
    {
        var body = new Body { Start = start, Size = size };
        lock (_gate)
        {
            if (_pendingMaps.Remove(methodId, out var map)) (body.Il, body.Native) = map;
            else _bodyWithoutMap[methodId] = body;
            _bodies.Add(body);
            _sorted = false;
        }
    }

    private void AddMap(MethodILToNativeMapTraceData e)
    {
        int n = e.CountOfMapEntries;
        var il = new int[n];
        var native = new int[n];
        for (int i = 0; i < n; i++)
        {
            il[i] = e.ILOffset(i);
            native[i] = e.NativeOffset(i);
        }
        lock (_gate)
        {
            if (_bodyWithoutMap.Remove(e.MethodID, out Body? body)) (body.Il, body.Native) = (il, native);
            else _pendingMaps[e.MethodID] = (il, native);
        }
    }

    /// <summary>
    /// The IL offset of a return address (the call's own instruction is just before it), or -1 when unknown. Negative
    /// IL entries (prolog, epilog, no mapping) are skipped.
    /// </summary>
    public int ILOffsetOf(ulong returnAddress)
    {
        ulong address = returnAddress - 1;
        lock (_gate)
        {
            if (!_sorted)
            {
                _bodies.Sort((a, b) => a.Start.CompareTo(b.Start));
                _sorted = true;
            }
            int lo = 0, hi = _bodies.Count - 1, found = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) / 2;
                if (_bodies[mid].Start <= address) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            if (found < 0) return -1;
            Body body = _bodies[found];
            if (address >= body.Start + body.Size || body.Il is null || body.Native is null) return -1;
            int offset = (int)(address - body.Start);
            int best = -1, bestNative = -1;
            for (int i = 0; i < body.Native.Length; i++)
            {
                if (body.Il[i] < 0) continue;
                if (body.Native[i] <= offset && body.Native[i] >= bestNative)
                {
                    bestNative = body.Native[i];
                    best = body.Il[i];
                }
            }
            // Optimized code of a small method can map everything before its first statement boundary to the prolog
            // (seen: "PROLOG@0, IL 19 (ret)@46" with the allocation at 27). That code is the method's first statements:
            // IL 0 names the method's own first line, where giving up would charge the allocation to the caller.
            if (best < 0 && Enumerable.Range(0, body.Native.Length).Any(i => body.Il[i] == Prolog && body.Native[i] <= offset)) best = 0;
            return best;
        }
    }
}
