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
        if (v.Major > 0)
        {
            // File versions are major.minor.(patch*100 + n).revision.
            return v.Build >= 100 ? $"{v.Major}.{v.Minor}.{v.Build / 100}" : $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
        }
        return "unknown";
    }

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
