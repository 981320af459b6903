// The benchmark heap: about N live objects (N from the command line, e.g. 1000000) in the shapes real leaks take.
//
//   static Program.Cache ──► Dictionary<string, string> ──_entries──► Entry[] ──[i].key──► string "user:00000042:profile"
//                                                                               └─[i].value──► string "{\"id\":42,…}"
//   static Program.Forest ──► GraphNode[] ──[t]──► GraphNode (tree root) ──Children──► GraphNode[] ──[k]──► GraphNode ──Children──► …
//                                                      ▲                                                      │
//                                                      └──────────────────────── Parent ◄─────────────────────┘
//   static Program.Bus ──► Publisher ──Changed──► EventHandler ──_invocationList──► object[] ──[i]──► EventHandler ──_target──► Subscriber
//   static Program.Newest ──► ChainLink ──Older──► ChainLink ──Older──► … ──Older──► OldestLink   (ChainLength links in all)
//   static Program.Readings ──► Reading[][] ──[i]──► Reading[ReadingsPerArray] ──[j].Unit──► string literal (not on the GC heap)
//
// Shares of N: CachePercent in cache strings (two per entry), GraphPercent in graph nodes and their child arrays
// (trees of TreeNodes nodes, fan-out FanOut), EventPercent in subscribers and their delegates (two per subscriber),
// ChainPercent in chain links, the rest in struct arrays. Each "grow" adds N/GrowSubscribersDivisor subscribers and
// N/GrowEntriesDivisor cache entries.
//
// Before each READY the program collects all garbage and prints one line `PLAN {json}`: the exact number of objects
// it made of each of its own types, the deep object's type (OldestLink, the end of the chain, whose retention path
// is ChainLength links long), and the type to trace ten retention paths for. The harness checks the agent against it.
using System.Text.Json;
using HeapLens.Fixtures;

namespace HeapShapes;

public static class Program
{
    public const int CachePercent = 36;
    public const int GraphPercent = 36;
    public const int EventPercent = 20;
    public const int ChainPercent = 1;
    public const int TreeNodes = 600;
    public const int FanOut = 8;
    public const int ReadingsPerArray = 8;
    public const int GrowSubscribersDivisor = 200;
    public const int GrowEntriesDivisor = 400;

    private static readonly string[] Units = { "ms", "bytes", "requests" };
    private static readonly string[] Plans = { "free", "team", "enterprise" };

    public static Dictionary<string, string> Cache;
    public static GraphNode[] Forest;
    public static readonly Publisher Bus = new();
    public static ChainLink Newest;
    public static Reading[][] Readings;

    private static int s_entries;
    private static int s_subscribers;
    private static int s_graphNodes;
    private static int s_childArrays;

    public static int Main(string[] args)
    {
        if (args.Length != 1 || !long.TryParse(args[0], out long n) || n < 10_000 || n > 500_000_000)
        {
            Console.Error.WriteLine("HeapShapes: give the number of objects to build, from 10000 to 500000000, e.g. `HeapShapes 1000000`.");
            return 2;
        }

        int chainLength = Build(n);
        while (true)
        {
            Settle();
            PrintPlan(n, chainLength);
            if (!FixtureProtocol.WaitForGrow()) break;
            AddSubscribers((int)(n / GrowSubscribersDivisor));
            AddEntries((int)(n / GrowEntriesDivisor));
        }
        GC.KeepAlive(Bus);
        return 0;
    }

    /// <summary>Builds every shape; returns the chain's length.</summary>
    private static int Build(long n)
    {
        int entries = (int)(n * CachePercent / 100 / 2);
        Cache = new Dictionary<string, string>(entries);
        AddEntries(entries);

        int objectsPerTree = TreeNodes + ChildArraysPerTree();
        var trees = (int)(n * GraphPercent / 100 / objectsPerTree);
        Forest = new GraphNode[trees];
        for (int t = 0; t < trees; t++) Forest[t] = BuildTree(t * TreeNodes);

        AddSubscribers((int)(n * EventPercent / 100 / 2));

        int chainLength = (int)(n * ChainPercent / 100);
        Newest = new OldestLink { Index = 0 };
        for (int i = 1; i < chainLength; i++) Newest = new ChainLink { Older = Newest, Index = i };

        long rest = n - 2L * entries - (long)trees * objectsPerTree - 2L * s_subscribers - chainLength;
        Readings = new Reading[Math.Max(0, rest)][];
        for (int i = 0; i < Readings.Length; i++)
        {
            var array = new Reading[ReadingsPerArray];
            for (int j = 0; j < array.Length; j++) array[j] = new Reading { Ticks = i * 1000L + j, Value = j * 0.5, Unit = Units[j % Units.Length] };
            Readings[i] = array;
        }
        return chainLength;
    }

    /// <summary>Node k of a tree has children FanOut*k+1 … FanOut*k+FanOut (those below TreeNodes).</summary>
    private static GraphNode BuildTree(int firstId)
    {
        var nodes = new GraphNode[TreeNodes];
        for (int k = 0; k < TreeNodes; k++) nodes[k] = new GraphNode { Id = firstId + k };
        for (int k = 0; k < TreeNodes; k++)
        {
            int first = FanOut * k + 1;
            if (first >= TreeNodes) break;
            int count = Math.Min(FanOut, TreeNodes - first);
            var children = new GraphNode[count];
            for (int c = 0; c < count; c++)
            {
                children[c] = nodes[first + c];
                children[c].Parent = nodes[k];
            }
            nodes[k].Children = children;
            s_childArrays++;
        }
        s_graphNodes += TreeNodes;
        return nodes[0];
    }

    private static int ChildArraysPerTree() => Enumerable.Range(0, TreeNodes).Count(k => FanOut * k + 1 < TreeNodes);

    private static void AddEntries(int count)
    {
        for (int i = 0; i < count; i++, s_entries++)
        {
            int id = s_entries;
            Cache[$"user:{id:D8}:profile"] = $"{{\"id\":{id},\"name\":\"user-{id}\",\"plan\":\"{Plans[id % Plans.Length]}\"}}";
        }
    }

    private static void AddSubscribers(int count)
    {
        for (int i = 0; i < count; i++, s_subscribers++)
        {
            var subscriber = new Subscriber { Token = s_subscribers };
            Bus.Changed += subscriber.OnChanged;
        }
    }

    /// <summary>Collects everything the building left behind, so the snapshot holds only live objects.</summary>
    private static void Settle()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static void PrintPlan(long n, int chainLength)
    {
        var plan = new Dictionary<string, object>
        {
            ["requested"] = n,
            // Everything this program made: the shapes, plus their holders (dictionary 3, forest 1, publisher with its
            // multicast delegate and invocation list 3, readings 1, the two literal tables 2). The runtime adds its own.
            ["objects"] = 2L * s_entries + s_graphNodes + s_childArrays + 2L * s_subscribers + chainLength + Readings.Length + 10,
            ["cacheEntries"] = s_entries,
            ["chainLength"] = chainLength,
            ["deepType"] = typeof(OldestLink).FullName,
            ["pathsType"] = typeof(Subscriber).FullName,
            ["types"] = new Dictionary<string, long>
            {
                [typeof(GraphNode).FullName] = s_graphNodes,
                [typeof(GraphNode[]).FullName] = s_childArrays + 1,
                [typeof(Subscriber).FullName] = s_subscribers,
                [typeof(ChainLink).FullName] = chainLength - 1,
                [typeof(OldestLink).FullName] = 1,
                [typeof(Reading[]).FullName] = Readings.Length,
            },
        };
        Console.WriteLine("PLAN " + JsonSerializer.Serialize(plan));
    }
}
