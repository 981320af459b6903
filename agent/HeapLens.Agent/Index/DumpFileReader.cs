// Reads the target's memory straight from an ELF core dump file with positioned reads (pread), for the heap walk:
// the kernel copies from its page cache into the walk's window, so the walk neither maps the dump nor faults its
// pages into this process one by one. Only the program headers are read (PT_LOAD: virtual address, file offset,
// bytes in the file); anything else (another dump format, a range that crosses two headers or lies past what the
// file holds) is left to ClrMD's reader, which the caller falls back to when Read returns -1.
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace HeapLens.Agent.Index;

internal sealed class DumpFileReader : IDisposable
{
    private const uint PtLoad = 1;
    private readonly SafeFileHandle _file;
    private readonly ulong[] _start;
    private readonly ulong[] _end;
    private readonly long[] _offset;

    private DumpFileReader(SafeFileHandle file, List<(ulong Start, ulong End, long Offset)> loads)
    {
        _file = file;
        loads.Sort((a, b) => a.Start.CompareTo(b.Start));
        _start = loads.Select(l => l.Start).ToArray();
        _end = loads.Select(l => l.End).ToArray();
        _offset = loads.Select(l => l.Offset).ToArray();
    }

    /// <summary>A reader of this ELF core dump, or null when it is not one this reader understands.</summary>
    public static DumpFileReader? TryOpen(string path)
    {
        SafeFileHandle? file = null;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = RandomAccess.GetLength(file);
            Span<byte> header = stackalloc byte[64];
            if (RandomAccess.Read(file, header, 0) < 64) return Fail(file);
            // 64-bit, little-endian ELF core file (e_type 4).
            if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F' || header[4] != 2 || header[5] != 1) return Fail(file);
            if (BinaryPrimitives.ReadUInt16LittleEndian(header[16..]) != 4) return Fail(file);
            ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
            ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
            int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[54..]);
            long phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[56..]);
            if (phnum == 0xffff)
            {
                // More headers than 16 bits count: the real number is the first section header's sh_info.
                Span<byte> section = stackalloc byte[64];
                if (shoff == 0 || RandomAccess.Read(file, section, (long)shoff) < 64) return Fail(file);
                phnum = BinaryPrimitives.ReadUInt32LittleEndian(section[44..]);
            }
            if (phentsize < 56 || phoff == 0 || (ulong)phnum * (ulong)phentsize > (ulong)length || phoff > (ulong)length - (ulong)phnum * (ulong)phentsize) return Fail(file);
            byte[] table = new byte[phnum * phentsize];
            if (RandomAccess.Read(file, table, (long)phoff) < table.Length) return Fail(file);
            var loads = new List<(ulong, ulong, long)>();
            for (int i = 0; i < phnum; i++)
            {
                ReadOnlySpan<byte> ph = table.AsSpan(i * phentsize, phentsize);
                if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtLoad) continue;
                ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
                ulong vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
                ulong filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
                if (filesz == 0 || offset > (ulong)length || filesz > (ulong)length - offset || vaddr + filesz < vaddr) continue;
                loads.Add((vaddr, vaddr + filesz, (long)offset));
            }
            return loads.Count == 0 ? Fail(file) : new DumpFileReader(file, loads);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(file);
        }
    }

    /// <summary>Reads [address, address + buffer.Length) when one program header holds all of it; -1 otherwise.</summary>
    public int Read(ulong address, Span<byte> buffer)
    {
        int lo = 0, hi = _start.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_start[mid] <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        if (found < 0 || address >= _end[found] || (ulong)buffer.Length > _end[found] - address) return -1;
        long at = _offset[found] + (long)(address - _start[found]);
        int total = 0;
        while (total < buffer.Length)
        {
            int read = RandomAccess.Read(_file, buffer[total..], at + total);
            if (read <= 0) return -1;
            total += read;
        }
        return total;
    }

    public void Dispose() => _file.Dispose();

    private static DumpFileReader? Fail(SafeFileHandle? file)
    {
        file?.Dispose();
        return null;
    }
}
