// One pass over the GC heap in address order, split across the cores. The segments (on .NET 7+ the GC's regions,
// hundreds of them) are cut into contiguous runs of about the same bytes, one per core; each run is walked by its
// own SegmentRunWalker with its own buffers, lists and totals, and the runs are joined in address order, so the
// result is the one a single walk gives: the same object numbers, types, sizes, references and totals. Heap types
// are numbered by where they first appear in address order (each run's own numbers are renumbered as the runs are
// joined), so the type table never depends on which thread was faster. One core, a small heap, a single segment
// or a reader that cannot be read from two threads: one run, on the calling thread.
// HEAPLENS_WALK_WORKERS=<n> sets the number of runs (tests use it to compare one run with several).
// What ClrMD allows from several threads (microsoft/clrmd, the 4.1 sources): the memory-mapped dump reader the
// agent opens dumps with (LockFreeMmfDataReader) is documented and built to be read concurrently without a lock;
// ClrMD's own caches (types, modules, the dump reader's) publish safely since 4.1; its calls into the DAC take one
// lock of ClrMD's, but ClrMD itself does not promise that ClrHeap and ClrType may be used from two threads (its DAC
// layer calls itself not thread safe on Linux without the newest SOS interface). So the runs read memory freely and
// take one lock of the walk's own (ClrMDGate) for every call into ClrHeap or ClrType: a new method table's layout,
// the careful walk of a damaged segment, references ClrMD reads for the walk. Those are rare; the objects are not.
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Index;

public sealed class HeapWalker
{
    public const string WorkersVariable = "HEAPLENS_WALK_WORKERS";

    /// <summary>"clrmd" makes the walk read the heap through ClrMD's reader rather than from the dump file (tests compare the two).</summary>
    public const string ReadVariable = "HEAPLENS_WALK_READ";

    // Below this many bytes of objects a second thread costs more (its buffers, the join) than it saves.
    private const long MinBytesPerRun = 32L << 20;

    private readonly RequestContext _context;
    private readonly string _dumpPath;
    private readonly Dictionary<int, GenerationTotals> _heaps = new();
    private readonly object _progressGate = new();
    private long[] _runObjects = Array.Empty<long>();
    private ulong[] _runBytes = Array.Empty<ulong>();
    private double _totalBytes = 1;
    private int _lastPercent = -1;

    public HeapWalker(ClrRuntime runtime, AddressMap map, RequestContext context)
    {
        var clock = Stopwatch.StartNew();
        Heap = runtime.Heap;
        Memory = runtime.DataTarget.DataReader;
        _dumpPath = runtime.DataTarget.DataReader.DisplayName;
        _context = context;
        Map = map;
        ConcurrentReads = runtime.DataTarget.DataReader.IsThreadSafe;
        AllocationContexts = Heap.EnumerateAllocationContexts()
            .Where(r => r.Start != 0 && r.End > r.Start)
            .GroupBy(r => r.Start)
            .Select(g => (g.Key, g.Last().End))
            .OrderBy(r => r.Key)
            .ToArray();
        Dependents = DependentHandles(runtime);
        foreach (ClrSubHeap sub in Heap.SubHeaps) _heaps[sub.Index] = new GenerationTotals { Index = sub.Index };
        SetupMs = clock.ElapsedMilliseconds;
    }

    internal enum Gen
    {
        Gen0,
        Gen1,
        Gen2,
        Loh,
        Poh,
        ByAddress,
    }

    /// <summary>What a run needs of a segment, read from ClrMD before the runs start.</summary>
    internal readonly record struct Segment(ulong Start, ulong End, ulong FirstObject, int HeapIndex, Gen Gen, bool SkipsAllocationContexts, MemoryRange Generation0, MemoryRange Generation1);

    public AddressMap Map { get; }

    internal ClrHeap Heap { get; }

    internal IMemoryReader Memory { get; }

    /// <summary>The dump file, read with positioned reads during <see cref="Walk"/>; null when the walk reads through ClrMD.</summary>
    internal DumpFileReader? DumpFile { get; private set; }

    /// <summary>Whether the walk read the heap from the dump file itself (the agent's log says so).</summary>
    public bool ReadFromFile { get; private set; }

    /// <summary>Taken for every call into ClrHeap and ClrType while runs walk side by side.</summary>
    internal object ClrMDGate { get; } = new();

    // Allocation contexts (start, end) by start: the walk, in address order, only compares with the next one.
    internal (ulong Start, ulong End)[] AllocationContexts { get; }

    internal (ulong Primary, ulong Secondary)[] Dependents { get; }

    private bool ConcurrentReads { get; }

    public TypeTable Types { get; } = new();

    public TypeColumn.Builder TypeOf { get; private set; } = new();

    public SizeColumn.Builder Sizes { get; private set; } = new();

    /// <summary>Per object, how many entries of <see cref="Targets"/> are its references.</summary>
    public ChunkedList<int> ReferenceCounts { get; private set; } = new();

    /// <summary>The referenced addresses as AddressMap bits, object after object (not yet checked to be object starts).</summary>
    public ChunkedList<uint> Targets { get; private set; } = new();

    public int Objects { get; private set; }

    /// <summary>Segments (or their remainders) that went through ClrMD's own walk.</summary>
    public int ClrMDFallbacks { get; private set; }

    /// <summary>How many runs walked the heap side by side (1: on the calling thread alone).</summary>
    public int Workers { get; private set; }

    /// <summary>Per heap type, its objects and their bytes (one entry per type of <see cref="Types"/>).</summary>
    public long[] TypeCounts { get; private set; } = Array.Empty<long>();

    public long[] TypeBytes { get; private set; } = Array.Empty<long>();

    /// <summary>Where the walk's time went (the agent's log): allocation contexts and handles, the runs, joining them.</summary>
    public long SetupMs { get; }

    public long RunsMs { get; private set; }

    public long JoinMs { get; private set; }

    public GenerationTotals[] Heaps => _heaps.Values.OrderBy(h => h.Index).ToArray();

    public void Walk(IReadOnlyList<ClrSegment> segments)
    {
        Segment[] all = segments.Select(Describe).ToArray();
        _totalBytes = Math.Max(1, all.Sum(s => (double)(s.End - s.Start)));
        List<Segment[]> runs = Split(all, WorkerCount(all));
        Workers = runs.Count;
        _runObjects = new long[runs.Count];
        _runBytes = new ulong[runs.Count];
        var clock = Stopwatch.StartNew();
        DumpFile = OpenDumpFile(all);
        ReadFromFile = DumpFile is not null;
        try
        {
            var walkers = runs.Select((run, i) => new SegmentRunWalker(this, i, run)).ToArray();
            if (walkers.Length == 1) walkers[0].Walk(_context.Cancellation);
            else WalkSideBySide(walkers);
            RunsMs = clock.ElapsedMilliseconds;
            Join(walkers);
            JoinMs = clock.ElapsedMilliseconds - RunsMs;
        }
        finally
        {
            DumpFile?.Dispose();
            DumpFile = null;
        }
    }

    /// <summary>
    /// The dump file for positioned reads, when it is an ELF core dump and gives the same bytes as ClrMD at the start
    /// of the first, middle and last segment; else null (ClrMD's reader). ClrMD's memory-mapped reader copies from
    /// pages it faults into this process on first use; on this kind of VM that cost the 10,000,000-object walk 2.1 s
    /// of reading against 0.8 s with positioned reads, and the faults of two threads did not run side by side.
    /// </summary>
    private DumpFileReader? OpenDumpFile(Segment[] segments)
    {
        if (Environment.GetEnvironmentVariable(ReadVariable) == "clrmd" || segments.Length == 0 || !File.Exists(_dumpPath)) return null;
        DumpFileReader? file = DumpFileReader.TryOpen(_dumpPath);
        if (file is null) return null;
        var fromFile = new byte[4096];
        var fromClrMD = new byte[4096];
        foreach (Segment segment in new[] { segments[0], segments[segments.Length / 2], segments[^1] })
        {
            int length = (int)Math.Min(4096UL, segment.End - segment.Start);
            int a = file.Read(segment.Start, fromFile.AsSpan(0, length));
            int b = Memory.Read(segment.Start, fromClrMD.AsSpan(0, length));
            if (a >= 0 && (a != b || !fromFile.AsSpan(0, a).SequenceEqual(fromClrMD.AsSpan(0, b))))
            {
                Log.Warn($"The dump file {_dumpPath} does not give the bytes ClrMD reads at 0x{segment.Start:x}: the heap is read through ClrMD.");
                file.Dispose();
                return null;
            }
        }
        return file;
    }

    /// <summary>Progress of one run (objects and bytes walked so far); sent as one percentage for the whole heap.</summary>
    internal void ReportProgress(int run, long objects, ulong bytes)
    {
        lock (_progressGate)
        {
            _runObjects[run] = objects;
            _runBytes[run] = bytes;
            int percent = (int)Math.Min(99, _runBytes.Sum(b => (double)b) * 100 / _totalBytes);
            if (percent == _lastPercent) return;
            _lastPercent = percent;
            _context.Progress($"Indexing the heap: {_runObjects.Sum():N0} objects", percent);
        }
    }

    internal static void Add(GenerationTotals totals, Gen gen, long size)
    {
        switch (gen)
        {
            case Gen.Gen0: totals.Gen0 += size; break;
            case Gen.Gen1: totals.Gen1 += size; break;
            case Gen.Loh: totals.Loh += size; break;
            case Gen.Poh: totals.Poh += size; break;
            default: totals.Gen2 += size; break;
        }
    }

    private int WorkerCount(Segment[] segments)
    {
        if (segments.Length <= 1 || !ConcurrentReads) return 1;
        string? forced = Environment.GetEnvironmentVariable(WorkersVariable);
        if (int.TryParse(forced, out int wanted) && wanted >= 1) return Math.Min(wanted, segments.Length);
        long bytes = segments.Sum(s => (long)(s.End - s.Start));
        return (int)Math.Clamp(Math.Min(Environment.ProcessorCount, bytes / MinBytesPerRun), 1, segments.Length);
    }

    /// <summary>Contiguous runs of segments, in address order, each with about the same bytes.</summary>
    private static List<Segment[]> Split(Segment[] segments, int count)
    {
        var runs = new List<Segment[]>();
        double total = segments.Sum(s => (double)(s.End - s.Start));
        double walked = 0;
        int from = 0;
        for (int s = 0; s < segments.Length; s++)
        {
            walked += segments[s].End - segments[s].Start;
            int toStart = count - runs.Count - 1;
            bool onlyEnoughLeft = segments.Length - (s + 1) == toStart;
            if (toStart > 0 && (walked >= total * (runs.Count + 1) / count || onlyEnoughLeft))
            {
                runs.Add(segments[from..(s + 1)]);
                from = s + 1;
            }
        }
        if (from < segments.Length || runs.Count == 0) runs.Add(segments[from..]);
        return runs;
    }

    /// <summary>Runs 1… on threads of their own, run 0 on this one; the first failure stops the others.</summary>
    private void WalkSideBySide(SegmentRunWalker[] walkers)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_context.Cancellation);
        var failures = new Exception?[walkers.Length];
        void Run(int i)
        {
            try
            {
                walkers[i].Walk(stop.Token);
            }
            catch (Exception ex)
            {
                failures[i] = ex;
                stop.Cancel();
            }
        }
        Task[] others = Enumerable.Range(1, walkers.Length - 1)
            .Select(i => Task.Factory.StartNew(() => Run(i), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        Run(0);
        Task.WaitAll(others);
        _context.Cancellation.ThrowIfCancellationRequested();
        Exception? first = failures.FirstOrDefault(f => f is not null and not OperationCanceledException) ?? failures.FirstOrDefault(f => f is not null);
        if (first is not null) ExceptionDispatchInfo.Capture(first).Throw();
    }

    /// <summary>The runs' results end to end, in address order; each run's type numbers become the heap's.</summary>
    private void Join(SegmentRunWalker[] walkers)
    {
        var counts = new List<long>();
        var bytes = new List<long>();
        var renumberings = new int[walkers.Length][];
        foreach (SegmentRunWalker walker in walkers)
        {
            TypeTable local = walker.Types;
            ulong[] methodTables = local.MethodTables();
            int[] renumber = renumberings[Array.IndexOf(walkers, walker)] = new int[local.Count];
            for (int t = 0; t < local.Count; t++)
            {
                int global = renumber[t] = Types.Add(methodTables[t], local.NameOf(t), local.IsFree(t));
                while (counts.Count <= global)
                {
                    counts.Add(0);
                    bytes.Add(0);
                }
                if (t < walker.TypeCounts.Length)
                {
                    counts[global] += walker.TypeCounts[t];
                    bytes[global] += walker.TypeBytes[t];
                }
            }
            foreach (GenerationTotals part in walker.Heaps.Values)
            {
                if (!_heaps.TryGetValue(part.Index, out GenerationTotals? totals)) _heaps[part.Index] = totals = new GenerationTotals { Index = part.Index };
                totals.Gen0 += part.Gen0;
                totals.Gen1 += part.Gen1;
                totals.Gen2 += part.Gen2;
                totals.Loh += part.Loh;
                totals.Poh += part.Poh;
                totals.Free += part.Free;
            }
            Objects += walker.Objects;
            ClrMDFallbacks += walker.ClrMDFallbacks;
        }
        TypeCounts = counts.ToArray();
        TypeBytes = bytes.ToArray();

        SegmentRunWalker head = walkers[0];
        TypeOf = head.TypeOf;
        Sizes = head.Sizes;
        ReferenceCounts = head.ReferenceCounts;
        Targets = head.Targets;
        // Run 0 met its types first: its numbers are the heap's already. The others' lists move up behind it.
        for (int i = 1; i < walkers.Length; i++)
        {
            SegmentRunWalker walker = walkers[i];
            _context.Cancellation.ThrowIfCancellationRequested();
            walker.TypeOf.Renumber(renumberings[i]);
            Parallel.Invoke(
                () => TypeOf.Append(walker.TypeOf),
                () => Sizes.Append(walker.Sizes),
                () => ReferenceCounts.Append(walker.ReferenceCounts),
                () => Targets.Append(walker.Targets));
        }
    }

    private static Segment Describe(ClrSegment segment) => new(
        segment.ObjectRange.Start,
        segment.ObjectRange.End,
        segment.FirstObjectAddress,
        segment.SubHeap?.Index ?? 0,
        GenerationOf(segment),
        segment.Kind is not (GCSegmentKind.Large or GCSegmentKind.Frozen),
        segment.Generation0,
        segment.Generation1);

    // heap/layout, like eeheap -gc, gives each GC heap's bytes by generation. Each object's size (free objects
    // included) is added to the generation of the memory it lies in, on the heap (ClrSubHeap) that owns its segment.
    // Summing objects rather than segment ranges makes the layout add up exactly to heap/stats plus free space;
    // segment ranges would also count allocation contexts, which hold no walkable objects.
    // Which generation: with regions (.NET 7+) every region belongs to one, given by its Kind. With segments (the
    // standalone libclrgc, older runtimes) the ephemeral segment holds gen0, gen1 and the start of gen2, told apart
    // by its Generation0/Generation1 ranges. Frozen segments (string literals and other objects the runtime never
    // collects) hold live objects that dumpheap counts, so they are reported with gen2, the oldest generation.
    private static Gen GenerationOf(ClrSegment segment) => segment.Kind switch
    {
        GCSegmentKind.Generation0 => Gen.Gen0,
        GCSegmentKind.Generation1 => Gen.Gen1,
        GCSegmentKind.Generation2 => Gen.Gen2,
        GCSegmentKind.Large => Gen.Loh,
        GCSegmentKind.Pinned => Gen.Poh,
        GCSegmentKind.Frozen => Gen.Gen2,
        GCSegmentKind.Ephemeral => Gen.ByAddress,
        _ => Gen.Gen2,
    };

    /// <summary>Dependent handles (primary, secondary), by primary address, so the walk meets them in order.</summary>
    private static (ulong Primary, ulong Secondary)[] DependentHandles(ClrRuntime runtime)
    {
        var pairs = new List<(ulong Primary, ulong Secondary)>();
        foreach (ClrHandle handle in runtime.EnumerateHandles())
        {
            if (handle.HandleKind != ClrHandleKind.Dependent) continue;
            ulong primary = handle.Object.Address;
            ulong secondary = handle.Dependent.Address;
            if (primary != 0 && secondary != 0) pairs.Add((primary, secondary));
        }
        // A stable order for one primary's secondaries: the order the handle table gave them.
        return pairs.Select((p, i) => (p, i)).OrderBy(x => x.p.Primary).ThenBy(x => x.i).Select(x => x.p).ToArray();
    }
}
