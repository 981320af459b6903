// A CPU-bound program that allocates all the time: rounds of the same work (small objects made, read and dropped,
// a little arithmetic), printing "ROUND <ms>" after each. The harness compares round times with and without an
// allocation-sampling session: the target's slowdown. Runs until its stdin closes.
namespace AllocationLoad;

public sealed class Item
{
    public long Key;
    public double Value;
    public Item Next;
}

public static class Program
{
    private const int ItemsPerRound = 2_000_000;

    public static void Main()
    {
        var input = new Thread(() => { Console.In.ReadToEnd(); Environment.Exit(0); }) { IsBackground = true };
        input.Start();
        long sum = 0;
        while (true)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Item previous = null;
            for (int i = 0; i < ItemsPerRound; i++)
            {
                var item = new Item { Key = i, Value = i * 0.5, Next = (i & 15) == 0 ? null : previous };
                sum += item.Key ^ (long)item.Value;
                previous = item;
            }
            Console.WriteLine($"ROUND {watch.Elapsed.TotalMilliseconds:F1} {sum & 1}");
        }
    }
}
