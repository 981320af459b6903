// The allocation recorder counts samples per (second, type, stack) instead of keeping each one, and keeps at most
// a stated number of counts: a long session's memory stays bounded, the oldest seconds go first and reports say so.
// Sites and shares are checked against counts built here (3 : 1 between two lines of one type).
using HeapLens.Agent.Tracing;
using Xunit;

namespace HeapLens.Agent.Tests;

public sealed class AllocationRecorderTests
{
    private const long T0 = 1_700_000_000_000;

    private static Frame[] Stack(int line) => new[] { new Frame("System.GC.Alloc", null, null), new Frame("App.Program.Make", "/src/App/Program.cs", line) };

    [Fact]
    public void Counts_per_site_give_the_shares_of_the_samples()
    {
        var recorder = new AllocationRecorder(new NativeCodeMaps());
        int at10 = recorder.AddStack(Stack(10));
        int at20 = recorder.AddStack(Stack(20));
        for (int i = 0; i < 300; i++) recorder.Record(true, T0 + i, "App.Order", 100, at10);
        for (int i = 0; i < 100; i++) recorder.Record(true, T0 + i, "App.Order", 100, at20);
        var report = recorder.Report(null, T0, T0 + 1000, 10, 5);
        Assert.Equal(400, report.Samples);
        var type = Assert.Single(report.Types);
        Assert.Equal("App.Order", type.Name);
        Assert.Equal(40_000, type.EstimatedBytes);
        Assert.Equal(new[] { 10, 20 }, type.Sites.Select(s => s.Line ?? 0));
        Assert.Equal(0.75, type.Sites[0].Share);
        Assert.Equal(300, type.Sites[0].Samples);
        Assert.Equal("App.Program.Make (/src/App/Program.cs:10)", type.Sites[0].Stack[^1]);
        Assert.Null(report.DroppedBefore);
        // Many samples of the same second and site are one count, not one entry each.
        Assert.Equal(2, recorder.CountsKept);
    }

    [Fact]
    public void A_period_counts_only_its_seconds()
    {
        var recorder = new AllocationRecorder(new NativeCodeMaps());
        int stack = recorder.AddStack(Stack(10));
        for (int s = 0; s < 10; s++) recorder.Record(true, T0 + s * 1000, "App.Order", 100, stack);
        Assert.Equal(3, recorder.Report(null, T0 + 2000, T0 + 4000, 10, 5).Samples);
        Assert.Equal(10, recorder.Report("App.Order", T0, T0 + 20_000, 10, 5).Samples);
        Assert.Empty(recorder.Report("App.Other", T0, T0 + 20_000, 10, 5).Types);
    }

    [Fact]
    public void The_oldest_seconds_go_when_the_bound_is_reached_and_the_report_says_from_when_it_counts()
    {
        const int limit = 50;
        var recorder = new AllocationRecorder(new NativeCodeMaps(), maxCounts: limit);
        var stacks = Enumerable.Range(0, 10).Select(i => recorder.AddStack(Stack(100 + i))).ToArray();
        // 100 seconds × 10 sites = 1,000 distinct counts, over a bound of 50.
        for (int s = 0; s < 100; s++)
            foreach (int stack in stacks) recorder.Record(true, T0 + s * 1000, "App.Order", 100, stack);
        Assert.True(recorder.CountsKept <= limit, $"{recorder.CountsKept} counts kept, limit {limit}");
        var report = recorder.Report(null, T0, T0 + 200_000, 10, 20);
        Assert.NotNull(report.DroppedBefore);
        // What is left is the newest seconds, whole: 5 seconds of 10 sites.
        Assert.Equal(T0 + 95_000, report.DroppedBefore);
        Assert.Equal(limit, report.Samples);
        Assert.Equal(10, report.Types[0].Sites.Count);
        // A sample older than what was dropped is not counted again.
        recorder.Record(true, T0, "App.Order", 100, stacks[0]);
        Assert.Equal(limit, recorder.Report(null, T0, T0 + 200_000, 10, 20).Samples);
    }

    [Fact]
    public void Stacks_beyond_the_bound_are_counted_under_one_entry()
    {
        var recorder = new AllocationRecorder(new NativeCodeMaps(), maxStacks: 1);
        int kept = recorder.AddStack(Stack(10));
        int notKept = recorder.AddStack(Stack(20));
        Assert.True(kept >= 0);
        Assert.True(notKept < 0);
        recorder.Record(true, T0, "App.Order", 100, kept);
        recorder.Record(true, T0, "App.Order", 100, notKept);
        var sites = recorder.Report(null, T0, T0 + 1000, 10, 5).Types[0].Sites;
        Assert.Contains(sites, s => s.Method.StartsWith("(stack not kept"));
    }
}
