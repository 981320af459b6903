// Reads the GNU build id of an ELF file (libcoreclr.so): the identity symbol stores file a runtime's DAC under
// ("elf-buildid-coreclr-<id>"), and the way to tell that a runtime folder on this machine is exactly the runtime
// that wrote a dump. Reads only the header, the program headers and the notes, each bounded.
using System.Buffers.Binary;

namespace HeapLens.Agent.Snapshots;

public static class ElfBuildId
{
    private const uint NoteSegment = 4; // PT_NOTE
    private const uint GnuBuildIdNote = 3; // NT_GNU_BUILD_ID
    private const int MaxNotesBytes = 64 * 1024;

    /// <summary>The build id as lower-case hex, or null when the file is missing, not a 64-bit ELF, or has none.</summary>
    public static string? Read(string file)
    {
        try
        {
            using FileStream stream = new(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            byte[] head = ReadAt(stream, 0, 64);
            if (head.Length < 64 || head[0] != 0x7f || head[1] != (byte)'E' || head[2] != (byte)'L' || head[3] != (byte)'F' || head[4] != 2 || head[5] != 1)
                return null;
            long phoff = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(0x20)), long.MaxValue);
            int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x36));
            int phnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x38));
            if (phentsize < 56 || phnum == 0 || phnum > 512) return null;
            byte[] headers = ReadAt(stream, phoff, phentsize * phnum);
            for (int i = 0; i + 56 <= headers.Length; i += phentsize)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(headers.AsSpan(i)) != NoteSegment) continue;
                ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(headers.AsSpan(i + 8));
                ulong size = BinaryPrimitives.ReadUInt64LittleEndian(headers.AsSpan(i + 32));
                if (offset > (ulong)stream.Length || size > MaxNotesBytes) continue;
                string? id = FindInNotes(ReadAt(stream, (long)offset, (int)size));
                if (id is not null) return id;
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? FindInNotes(byte[] notes)
    {
        for (int at = 0; at + 12 <= notes.Length;)
        {
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at));
            uint descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at + 4));
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at + 8));
            if (nameSize > MaxNotesBytes || descSize > MaxNotesBytes) return null;
            long name = at + 12, desc = name + Align4(nameSize), next = desc + Align4(descSize);
            if (next > notes.Length) return null;
            if (type == GnuBuildIdNote && nameSize == 4 && notes.AsSpan((int)name, 4).SequenceEqual("GNU\0"u8))
                return Convert.ToHexString(notes, (int)desc, (int)descSize).ToLowerInvariant();
            at = (int)next;
        }
        return null;
    }

    private static long Align4(uint size) => (size + 3L) & ~3L;

    private static byte[] ReadAt(FileStream stream, long offset, int count)
    {
        if (offset < 0 || offset >= stream.Length) return Array.Empty<byte>();
        byte[] buffer = new byte[(int)Math.Min(count, stream.Length - offset)];
        stream.Position = offset;
        stream.ReadExactly(buffer);
        return buffer;
    }
}
