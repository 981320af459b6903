// The views' heap: T heap types with a few instances each, one type with M instances, and a long chain.
//
//   static Program.Kinds ──► object[T] ──[i]──► Cell<A, B> (one closed generic type per i; A and B from Pool)
//   static Program.Items ──► Item[M] ──[i]──► Item { Id = i }                      (M instances of one type)
//   static Program.Tail  ──► Link ──Next──► Link ──Next──► … ──Next──► Link        (ChainLength links in all)
//
// T and M come from the command line (`ManyTypes 50000 3000000`); ChainLength = M / 2. Cell<A, B> over two type
// pools of Pool.Length types each gives Pool.Length² distinct heap types, enough for T. Before READY the program
// collects all garbage and prints `PLAN {json}` with the exact counts; the harness checks the agent against it.
using System.Text.Json;
using HeapLens.Fixtures;

namespace ManyTypes;

public sealed class Cell<TA, TB>
{
    public TA First;
    public TB Second;
    public int Index;
}

public sealed class Item
{
    public int Id;
}

public sealed class Link
{
    public Link Next;
}

public static class Program
{
    public const int ChainDivisor = 2;

    // 15 value types and 15 of their arrays: 30 kinds, used twice over for the two type arguments.
    private static readonly Type[] Pool = BuildPool();

    public static object[] Kinds;
    public static Item[] Items;
    public static Link Tail;

    public static int Main(string[] args)
    {
        if (args.Length != 2 || !int.TryParse(args[0], out int types) || !int.TryParse(args[1], out int items)
            || types < 1 || types > Pool.Length * Pool.Length * 4 || items < 1 || items > 200_000_000)
        {
            Console.Error.WriteLine($"ManyTypes: give the number of heap types (1 to {Pool.Length * Pool.Length * 4}) and of Item instances, e.g. `ManyTypes 50000 3000000`.");
            return 2;
        }

        Kinds = new object[types];
        Type[] openCells = { typeof(Cell<,>), typeof(Tuple<,>), typeof(KeyValuePair<,>), typeof(ValueTuple<,>) };
        for (int i = 0; i < types; i++)
        {
            int cell = i / (Pool.Length * Pool.Length);
            int a = i / Pool.Length % Pool.Length;
            int b = i % Pool.Length;
            Type closed = openCells[cell].MakeGenericType(Pool[a], Pool[b]);
            // KeyValuePair and ValueTuple are structs: boxed, each still has its own method table. Tuple has no
            // parameterless constructor.
            Kinds[i] = closed.IsValueType ? Activator.CreateInstance(closed)
                : cell == 1 ? Activator.CreateInstance(closed, Default(Pool[a]), Default(Pool[b]))
                : Activator.CreateInstance(closed);
        }

        Items = new Item[items];
        for (int i = 0; i < items; i++) Items[i] = new Item { Id = i };

        int chain = items / ChainDivisor;
        for (int i = 0; i < chain; i++) Tail = new Link { Next = Tail };

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Console.WriteLine("PLAN " + JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["types"] = types,
            ["items"] = items,
            ["chainLength"] = chain,
            ["itemType"] = typeof(Item).FullName,
            ["linkType"] = typeof(Link).FullName,
        }));
        while (FixtureProtocol.WaitForGrow())
        {
        }
        GC.KeepAlive(Kinds);
        return 0;
    }

    private static Type[] BuildPool()
    {
        Type[] values = { typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
            typeof(float), typeof(double), typeof(decimal), typeof(char), typeof(bool), typeof(DateTime), typeof(TimeSpan) };
        var pool = new List<Type>(values);
        // Arrays of the same: reference types, so Cell<,> gets instantiations shared through __Canon as well.
        pool.AddRange(values.Select(v => v.MakeArrayType()));
        pool.AddRange(values.Select(v => typeof(List<>).MakeGenericType(v)));
        pool.AddRange(values.Select(v => typeof(Nullable<>).MakeGenericType(v)));
        pool.AddRange(values.Select(v => typeof(HashSet<>).MakeGenericType(v)));
        pool.AddRange(values.Select(v => typeof(Queue<>).MakeGenericType(v)));
        pool.AddRange(values.Select(v => typeof(Stack<>).MakeGenericType(v)));
        pool.AddRange(values.Select(v => typeof(LinkedList<>).MakeGenericType(v)));
        return pool.ToArray();
    }

    private static object Default(Type t) => t.IsValueType ? Activator.CreateInstance(t) : null;
}
