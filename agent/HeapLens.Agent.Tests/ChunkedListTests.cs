// Joining chunked lists (the parallel heap walk joins each run's lists onto the previous run's) against the plain
// concatenation of their elements: every length around a chunk boundary on either side, so the moved elements
// fill the first list's last chunk exactly, not at all, or partly, and span zero, one or several chunks of their own.
using HeapLens.Agent.Index;
using Xunit;

namespace HeapLens.Agent.Tests;

public sealed class ChunkedListTests
{
    private const int C = ChunkedList<int>.ChunkSize;

    public static TheoryData<int, int> Lengths()
    {
        int[] lengths = { 0, 1, 7, C - 1, C, C + 1, 2 * C + 3 };
        var data = new TheoryData<int, int>();
        foreach (int a in lengths)
        {
            foreach (int b in lengths) data.Add(a, b);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AppendGivesTheConcatenation(int first, int second)
    {
        ChunkedList<int> a = Filled(0, first);
        ChunkedList<int> b = Filled(first, second);
        a.Append(b);
        Assert.Equal(0, b.Count);
        Assert.Equal(0, b.ChunkCount);
        // The joined list keeps growing where it ends.
        a.Add(first + second);
        AssertHoldsZeroTo(a, first + second + 1);
    }

    [Fact]
    public void ThreeListsJoinInOrder()
    {
        ChunkedList<int> a = Filled(0, C - 5);
        ChunkedList<int> b = Filled(C - 5, 10);
        ChunkedList<int> c = Filled(C + 5, C + 2);
        a.Append(b);
        a.Append(c);
        AssertHoldsZeroTo(a, 2 * C + 7);
    }

    private static ChunkedList<int> Filled(int from, int count)
    {
        var list = new ChunkedList<int>();
        for (int i = 0; i < count; i++) list.Add(from + i);
        return list;
    }

    /// <summary>The list holds 0, 1, … n-1 in full chunks (all but the last), as its readers assume.</summary>
    private static void AssertHoldsZeroTo(ChunkedList<int> list, int n)
    {
        Assert.Equal(n, list.Count);
        Assert.Equal((n + C - 1) / C, list.ChunkCount);
        int expected = 0;
        for (int c = 0; c < list.ChunkCount; c++)
        {
            int length = list.LengthOf(c);
            Assert.Equal(c < list.ChunkCount - 1 ? C : n - (c * C), length);
            int[] chunk = list.Chunk(c)!;
            for (int k = 0; k < length; k++)
            {
                if (chunk[k] != expected) Assert.Fail($"element {expected} is {chunk[k]}");
                expected++;
            }
        }
        Assert.Equal(n, expected);
        for (int i = 0; i < n; i += 99_991) Assert.Equal(i, list[i]);
    }
}
