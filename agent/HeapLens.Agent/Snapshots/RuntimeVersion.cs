// The product version of the runtime in a dump ("10.0.12"). ClrMD reports 0.0 for ELF dumps that lack the
// module's version resource, so the version is read from the runtime's install folder when that has one.
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
        if (v.Major > 0)
        {
            // File versions are major.minor.(patch*100 + n).revision.
            return v.Build >= 100 ? $"{v.Major}.{v.Minor}.{v.Build / 100}" : $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
        }
        return "unknown";
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+([-+][0-9A-Za-z.\-]+)?$")]
    private static partial Regex VersionFolder();
}
