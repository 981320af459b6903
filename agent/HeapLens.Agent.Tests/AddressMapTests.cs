// The address map against a plain sorted list of object starts, on random layouts in the shapes real heaps take:
// runs of small objects, large arrays that leave long stretches of empty bits behind them (the case that once made
// select walk 100,000 empty words per call), several segments with gaps between them, and empty segments.
using HeapLens.Agent.Index;
using Xunit;

namespace HeapLens.Agent.Tests;

public sealed class AddressMapTests
{
    private sealed record Layout(List<(ulong Start, ulong End)> Segments, List<(ulong Address, ulong Size)> Objects);

    /// <summary>Random segments filled with objects of 24 bytes to a few MB, 8-byte aligned, in address order.</summary>
    private static Layout RandomLayout(Random random)
    {
        var segments = new List<(ulong, ulong)>();
        var objects = new List<(ulong, ulong)>();
        ulong at = 0x7f00_0000_0000UL + (ulong)random.Next(1, 1000) * 0x1000;
        int segmentCount = random.Next(1, 6);
        for (int s = 0; s < segmentCount; s++)
        {
            ulong start = at;
            int count = random.Next(0, 400);
            for (int k = 0; k < count; k++)
            {
                // Mostly small objects; now and then a large array (up to 4 MB: 8,192 words of bits).
                ulong size = random.Next(10) == 0 ? (ulong)random.Next(85_000, 4_000_000) & ~7UL : (ulong)random.Next(3, 40) * 8;
                objects.Add((at, size));
                at += size;
            }
            ulong end = at + (ulong)random.Next(0, 64) * 8;
            segments.Add((start, end));
            at = end + (ulong)random.Next(1, 1 << 20) * 8;
        }
        return new Layout(segments, objects);
    }

    private static AddressMap Build(Layout layout)
    {
        // The map sorts its ranges: hand them over shuffled, as ClrMD's segment order is not guaranteed.
        var map = new AddressMap(layout.Segments.OrderBy(_ => Guid.NewGuid()), 8);
        foreach ((ulong address, _) in layout.Objects) map.Mark(map.BitOf(address));
        map.Seal();
        return map;
    }

    [Fact]
    public void AddressOfAndIndexOfAgreeWithTheObjectList()
    {
        var random = new Random(20261201);
        for (int round = 0; round < 200; round++)
        {
            Layout layout = RandomLayout(random);
            AddressMap map = Build(layout);
            Assert.Equal(layout.Objects.Count, map.Count);
            for (int i = 0; i < layout.Objects.Count; i++)
            {
                (ulong address, ulong size) = layout.Objects[i];
                Assert.Equal(address, map.AddressOf(i));
                Assert.Equal(i, map.IndexOf(address));
                // An interior address (the middle or last word of the object) belongs to it.
                Assert.Equal(i, map.IndexAtOrBefore(address + (size / 2 & ~7UL)));
                Assert.Equal(i, map.IndexAtOrBefore(address + size - 8));
                if (size > 8) Assert.Equal(-1, map.IndexOf(address + 8));
            }
            Assert.Equal(
                layout.Objects.Select((o, i) => (i, o.Address)),
                map.Enumerate());
        }
    }

    [Fact]
    public void AddressesBeforeTheFirstObjectOfASegmentBelongToNone()
    {
        var random = new Random(7);
        for (int round = 0; round < 100; round++)
        {
            Layout layout = RandomLayout(random);
            AddressMap map = Build(layout);
            foreach ((ulong start, ulong end) in layout.Segments)
            {
                bool startsWithObject = layout.Objects.Any(o => o.Address == start);
                if (!startsWithObject && end > start) Assert.Equal(-1, map.IndexAtOrBefore(start));
            }
            // Below the lowest segment, and in the gap after a segment's last object, in the next (empty) stretch.
            Assert.Equal(-1, map.IndexAtOrBefore(layout.Segments.Min(s => s.Start) - 8));
        }
    }
}
