// Decides whether a native library may be loaded into the agent: a DAC is code, and a dump can name any folder as
// the place its runtime lived. A file is trusted only if it, after resolving every symbolic link, is a regular file
// owned by root or by the agent's user and not writable by group or others, and every folder above it is owned by
// root or that user and not writable by group or others, unless that folder has the sticky bit (like /tmp), where
// no one else can replace an entry they do not own. Linux only (statx's layout is the same on every architecture).
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace HeapLens.Agent.Snapshots;

public static class FileTrust
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int TypeMask = 0xf000, RegularFile = 0x8000, Directory = 0x4000;
    private const int GroupOrOtherWritable = 0x12; // 0o022
    private const int Sticky = 0x200; // 0o1000

    /// <summary>Null when the file may be loaded; otherwise why not, in words a user can act on.</summary>
    public static string? WhyUntrusted(string file)
    {
        if (!OperatingSystem.IsLinux()) return "HeapLens checks who owns a DAC only on Linux, so it loads none elsewhere";
        string? real = RealPath(file);
        if (real is null) return $"{file} cannot be resolved";
        uint me = geteuid();
        string? problem = Check(real, me, isFile: true);
        if (problem is not null) return problem;
        for (string? dir = Path.GetDirectoryName(real); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            problem = Check(dir, me, isFile: false);
            if (problem is not null) return problem;
        }
        return null;
    }

    private static string? Check(string path, uint me, bool isFile)
    {
        if (!TryStat(path, out uint uid, out int mode)) return $"{path} cannot be examined";
        int type = mode & TypeMask;
        if (isFile && type != RegularFile) return $"{path} is not a regular file";
        if (!isFile && type != Directory) return $"{path} is not a folder";
        if (uid != 0 && uid != me) return $"{path} belongs to another user (uid {uid})";
        if ((mode & GroupOrOtherWritable) != 0 && (isFile || (mode & Sticky) == 0))
            return $"{path} can be changed by other users (mode {Convert.ToString(mode & 0xfff, 8)})";
        return null;
    }

    private static bool TryStat(string path, out uint uid, out int mode)
    {
        byte[] buffer = new byte[256];
        uid = 0;
        mode = 0;
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0) return false;
        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid (20), u32 gid, u16 mode (28).
        uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20));
        mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        return true;
    }

    private static string? RealPath(string path)
    {
        IntPtr resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);

    [DllImport("libc")]
    private static extern uint geteuid();
}
