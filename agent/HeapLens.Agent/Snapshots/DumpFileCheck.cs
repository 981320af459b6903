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
        ulong phnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x38));
        if (phnum == ElfManyProgramHeaders)
        {
            // The real count is in section header 0's sh_info.
            if (shoff > (ulong)length - 64) throw Damaged(path, "its section header lies outside the file");
            byte[] section = ReadAt(stream, (long)shoff, 64);
            phnum = BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(0x2c));
        }
        if (phentsize < 56 || phnum == 0) throw Damaged(path, "no program headers");

        // Every figure is the file's claim: compare in unsigned arithmetic that cannot wrap (phnum < 2^32,
        // phentsize < 2^16) before anything is read or allocated from them.
        ulong tableBytes = phnum * phentsize;
        if (phoff > (ulong)length || tableBytes > (ulong)length - phoff)
        {
            if (phoff > (ulong)long.MaxValue || tableBytes > (ulong)long.MaxValue - phoff) throw Damaged(path, "its program header table lies beyond any file");
            throw Truncated(path, length, (long)(phoff + tableBytes));
        }
        if (tableBytes > int.MaxValue) throw Damaged(path, $"{phnum:N0} program headers");
        byte[] table = ReadAt(stream, (long)phoff, (int)tableBytes);
        ulong needed = phoff + tableBytes;
        for (ulong i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> entry = table.AsSpan((int)(i * phentsize), phentsize);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            ulong fileSize = BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
            if (fileSize == 0) continue;
            if (offset > (ulong)long.MaxValue || fileSize > (ulong)long.MaxValue - offset) throw Damaged(path, $"program header {i} claims bytes beyond any file");
            needed = Math.Max(needed, offset + fileSize);
        }
        if (needed > (ulong)length) throw Truncated(path, length, (long)needed);
    }

    private static AgentException Damaged(string path, string why) =>
        Unreadable($"{path} has a damaged core dump header ({why}): it is not a readable dump; capture it again.");

    private static AgentException Truncated(string path, long actual, long expected) =>
        Unreadable($"The dump {path} is truncated ({actual:N0} of at least {expected:N0} bytes; the capture was cut short or the disk filled up): capture it again.");

    /// <summary>Reads up to <paramref name="count"/> bytes; callers have checked that they lie in the file.</summary>
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
