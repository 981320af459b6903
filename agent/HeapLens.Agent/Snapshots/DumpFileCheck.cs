// Checks a dump file before ClrMD reads it, so a missing, empty, truncated or foreign file gets a clear message
// instead of an obscure failure deep in the reader. ELF cores are checked for truncation: every PT_LOAD segment
// the header promises must lie inside the file.
using System.Buffers.Binary;
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Snapshots;

public static class DumpFileCheck
{
    private const ushort ElfTypeCore = 4;
    private const ushort ElfManyProgramHeaders = 0xffff;

    public static void Validate(string path)
    {
        FileInfo file = new(path);
        if (Directory.Exists(path)) throw Unreadable($"{path} is a folder, not a dump file: choose the dump file itself.");
        if (!file.Exists) throw Unreadable($"There is no dump at {path}: check the path, or capture the snapshot again.");
        if (file.Length == 0) throw Unreadable($"The dump {path} is empty: capture it again.");

        try
        {
            using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            byte[] head = ReadAt(stream, 0, 64);
            if (head.Length >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F')
                CheckElf(path, stream, head);
            else if (head.Length >= 4 && head[0] == (byte)'M' && head[1] == (byte)'D' && head[2] == (byte)'M' && head[3] == (byte)'P')
                return; // Windows minidump: ClrMD checks its own directory.
            else if (head.Length >= 16 && BinaryPrimitives.ReadUInt32LittleEndian(head) == 0xfeedfacf && BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(12)) == 4)
                return; // Mach-O core (MH_CORE).
            else
                throw Unreadable($"{path} is not a core dump (it has no ELF, minidump or Mach-O header): open a dump written by HeapLens, dotnet-dump or createdump.");
        }
        catch (UnauthorizedAccessException)
        {
            throw Unreadable($"The dump {path} cannot be read (permission denied): run HeapLens as the user who captured it, or fix the file's permissions.");
        }
        catch (IOException ex)
        {
            throw Unreadable($"The dump {path} cannot be read: {ex.Message}");
        }
    }

    private static void CheckElf(string path, FileStream stream, byte[] head)
    {
        if (head.Length < 64 || head[4] != 2 || head[5] != 1)
            throw Unreadable($"{path} is not a 64-bit little-endian core dump: HeapLens reads dumps of 64-bit .NET processes on x64 and arm64.");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x10));
        if (type != ElfTypeCore)
            throw Unreadable($"{path} is an ELF program or library, not a core dump: open a dump written by HeapLens, dotnet-dump or createdump.");

        long length = stream.Length;
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(0x20));
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(0x28));
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x36));
        long phnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x38));
        if (phnum == ElfManyProgramHeaders)
        {
            // The real count is in section header 0's sh_info.
            byte[] section = ReadAt(stream, (long)shoff, 64);
            if (section.Length < 64) throw Truncated(path, length, (long)shoff + 64);
            phnum = BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(0x2c));
        }
        if (phentsize < 56 || phnum == 0) throw Unreadable($"{path} has a damaged core dump header (no program headers): capture it again.");

        long tableEnd = (long)phoff + phnum * phentsize;
        if ((long)phoff < 0 || tableEnd > length) throw Truncated(path, length, tableEnd);
        byte[] table = ReadAt(stream, (long)phoff, (int)(phnum * phentsize));
        long needed = tableEnd;
        for (long i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> entry = table.AsSpan((int)(i * phentsize), phentsize);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            ulong fileSize = BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
            if (fileSize == 0) continue;
            ulong end = offset + fileSize;
            if (end < offset || end > long.MaxValue) throw Unreadable($"{path} has a damaged core dump header: capture it again.");
            needed = Math.Max(needed, (long)end);
        }
        if (needed > length) throw Truncated(path, length, needed);
    }

    private static AgentException Truncated(string path, long actual, long expected) =>
        Unreadable($"The dump {path} is truncated ({actual:N0} of at least {expected:N0} bytes; the capture was cut short or the disk filled up): capture it again.");

    private static byte[] ReadAt(FileStream stream, long offset, int count)
    {
        if (offset < 0 || offset >= stream.Length) return Array.Empty<byte>();
        stream.Position = offset;
        byte[] buffer = new byte[(int)Math.Min(count, stream.Length - offset)];
        stream.ReadExactly(buffer);
        return buffer;
    }

    public static AgentException Unreadable(string message, Exception? inner = null) => new(ErrorCodes.DumpUnreadable, message, inner);
}
