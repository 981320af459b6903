// The product version of the runtime in a dump ("10.0.12"). ClrMD reports 0.0 for ELF dumps that lack the
// module's version resource, so the version is read from the runtime's install folder when that has one, else from
// the version string the runtime's build stamps into libcoreclr.so ("@(#)Version 9.0.2026.41315 …": a self-contained
// app keeps libcoreclr.so in its own folder, which says nothing about the version).
using System.Text.RegularExpressions;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public static partial class RuntimeVersion
{
    public static string Of(ClrInfo clr)
    {
        // Shared framework layout: .../Microsoft.NETCore.App/<version>/libcoreclr.so
        string? folder = Path.GetFileName(Path.GetDirectoryName(clr.ModuleInfo.FileName));
        if (folder is not null && VersionFolder().IsMatch(folder)) return folder;
        Version v = clr.Version;
        if (v.Major == 0) v = StampedVersion(clr.ModuleInfo.FileName) ?? v;
        if (v.Major == 0) v = CoreLibVersion(clr) ?? v;
        if (v.Major > 0)
        {
            // File versions are major.minor.(patch*100 + n).revision.
            return v.Build >= 100 ? $"{v.Major}.{v.Minor}.{v.Build / 100}" : $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
        }
        return "unknown";
    }

    /// <summary>
    /// The product version of System.Private.CoreLib.dll ("9.0.20+3879076d…"), from the version resource of its image
    /// in the dump: it ships with the runtime and carries its version, so a dump names its runtime even when the
    /// runtime's folder is not on this machine. Read straight from memory, because ClrMD reads versions of ELF modules only.
    /// </summary>
    private static Version? CoreLibVersion(ClrInfo clr)
    {
        try
        {
            ModuleInfo? coreLib = clr.DataTarget.DataReader.EnumerateModules()
                .FirstOrDefault(m => string.Equals(Path.GetFileName(m.FileName), "System.Private.CoreLib.dll", StringComparison.OrdinalIgnoreCase));
            if (coreLib is null) return null;
            long size = coreLib.ImageSize > 0 ? Math.Min(coreLib.ImageSize, MaxImageScan) : MaxImageScan;
            byte[] image = new byte[size];
            int read = clr.DataTarget.DataReader.Read(coreLib.ImageBase, image);
            ReadOnlySpan<byte> key = "ProductVersion\0"u8.ToArray().SelectMany(b => new[] { b, (byte)0 }).ToArray();
            for (int at = image.AsSpan(0, read).IndexOf(key); at >= 0;)
            {
                int value = at + key.Length;
                while (value + 1 < read && image[value] == 0 && image[value + 1] == 0) value += 2;
                int end = value;
                while (end + 1 < read && end - value < 128 && (image[end] != 0 || image[end + 1] != 0)) end += 2;
                Match match = ProductVersionText().Match(System.Text.Encoding.Unicode.GetString(image, value, end - value));
                if (match.Success && Version.TryParse(match.Groups[1].Value, out Version? version))
                    return new Version(version.Major, version.Minor, version.Build * 100);
                int next = image.AsSpan(value, read - value).IndexOf(key);
                at = next < 0 ? -1 : value + next;
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private const long MaxImageScan = 32 * 1024 * 1024;

    [GeneratedRegex(@"^(\d+\.\d+\.\d+)(?:[-+]|$)")]
    private static partial Regex ProductVersionText();

    /// <summary>The file version in libcoreclr.so's "@(#)Version" string, when the file is on this machine.</summary>
    private static Version? StampedVersion(string? libcoreclr)
    {
        try
        {
            if (string.IsNullOrEmpty(libcoreclr) || !File.Exists(libcoreclr)) return null;
            byte[] image = File.ReadAllBytes(libcoreclr);
            ReadOnlySpan<byte> marker = "@(#)Version "u8;
            int at = image.AsSpan().IndexOf(marker);
            if (at < 0) return null;
            int start = at + marker.Length, end = start;
            while (end < image.Length && end - start < 32 && (char.IsAsciiDigit((char)image[end]) || image[end] == '.')) end++;
            return Version.TryParse(System.Text.Encoding.ASCII.GetString(image, start, end - start), out Version? version) ? version : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+([-+][0-9A-Za-z.\-]+)?$")]
    private static partial Regex VersionFolder();
}
