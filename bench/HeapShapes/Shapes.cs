// The types of the benchmark heap (the graph is drawn in Program.cs). Their names are what the harness asks the
// agent about, so they are printed in the plan rather than repeated in bench/harness.
namespace HeapShapes;

/// <summary>A node of one of many small object graphs: fan-out through an array, and a back reference.</summary>
public sealed class GraphNode
{
    public int Id;
    public GraphNode Parent;
    public GraphNode[] Children;
}

/// <summary>The long-lived event source nobody unsubscribes from.</summary>
public sealed class Publisher
{
    public event EventHandler Changed;

    public void Raise() => Changed?.Invoke(this, EventArgs.Empty);
}

public sealed class Subscriber
{
    public long Token;
    public int Seen;

    public void OnChanged(object sender, EventArgs e) => Seen++;
}

/// <summary>One link of the long chain; each holds the one made before it.</summary>
public class ChainLink
{
    public ChainLink Older;
    public int Index;
}

/// <summary>The first link ever made: the deepest object of the heap, alone of its type so it is easy to find.</summary>
public sealed class OldestLink : ChainLink
{
}

/// <summary>An element of the struct arrays: a reference inside a struct, as in most real sample buffers.</summary>
public struct Reading
{
    public long Ticks;
    public double Value;
    public string Unit;
}
