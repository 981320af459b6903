// The memory regions an ELF core dump holds (its PT_LOAD program headers), to tell how large each thread's stack
// is: createdump writes a thread's whole stack mapping as one region, so the region that contains a thread's stack
// pointer is that thread's stack (its reserved size; only the pages it touched use memory). ClrMD's
// ClrThread.StackBase/StackLimit read 0 on .NET 10 Linux dumps, hence this. Other dump formats: no regions.
using System.Buffers.Binary;

namespace HeapLens.Agent.Insights;

public sealed class DumpRegions
{
    private const uint PtLoad = 1;
    private readonly (ulong Start, ulong End)[] _regions;

    private DumpRegions((ulong Start, ulong End)[] regions)
    {
        _regions = regions;
    }

    public bool IsEmpty => _regions.Length == 0;

    public static DumpRegions Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var head = new byte[64];
            if (stream.Read(head, 0, 64) < 64 || head[0] != 0x7f || head[1] != (byte)'E' || head[2] != (byte)'L' || head[3] != (byte)'F' || head[4] != 2 || head[5] != 1)
                return new DumpRegions(Array.Empty<(ulong, ulong)>());
            ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(0x20));
            ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(0x28));
            int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x36));
            long phnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x38));
            if (phnum == 0xffff)
            {
                // More program headers than fit 16 bits: the count is section header 0's sh_info.
                var section = new byte[64];
                stream.Position = (long)shoff;
                if (stream.Read(section, 0, 64) < 64) return new DumpRegions(Array.Empty<(ulong, ulong)>());
                phnum = BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(0x2c));
            }
            // The table must lie in the file: a header's claim alone never sizes an allocation.
            if (phentsize < 56 || phnum <= 0 || phoff > (ulong)stream.Length || (ulong)(phnum * phentsize) > (ulong)stream.Length - phoff)
                return new DumpRegions(Array.Empty<(ulong, ulong)>());
            var table = new byte[phnum * phentsize];
            stream.Position = (long)phoff;
            stream.ReadExactly(table);
            var regions = new List<(ulong, ulong)>();
            for (long i = 0; i < phnum; i++)
            {
                ReadOnlySpan<byte> entry = table.AsSpan((int)(i * phentsize), phentsize);
                if (BinaryPrimitives.ReadUInt32LittleEndian(entry) != PtLoad) continue;
                ulong start = BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]);
                ulong size = BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]);
                if (size > 0) regions.Add((start, start + size));
            }
            regions.Sort();
            return new DumpRegions(regions.ToArray());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or EndOfStreamException)
        {
            return new DumpRegions(Array.Empty<(ulong, ulong)>());
        }
    }

    /// <summary>The region that contains the address, if the dump holds it.</summary>
    public (ulong Start, ulong End)? Containing(ulong address)
    {
        int lo = 0;
        int hi = _regions.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_regions[mid].End <= address) lo = mid + 1;
            else if (_regions[mid].Start > address) hi = mid - 1;
            else return _regions[mid];
        }
        return null;
    }
}
