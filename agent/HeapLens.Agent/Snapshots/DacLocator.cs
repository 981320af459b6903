// Finds the DAC (libmscordaccore.so) that reads a dump's runtime, and loads none that could be someone else's
// code. Where it looks, in order:
//   1. dacPath, a file the user named;
//   2. the folders the user configured (--dac-dir, heaplens.dacSearchPaths), each as a symbol store
//      (libmscordaccore.so/elf-buildid-coreclr-<libcoreclr build id>/libmscordaccore.so) and as a plain folder;
//   3. the .NET runtimes installed on this machine (<dotnet root>/shared/Microsoft.NETCore.App/<version>/), the one
//      whose libcoreclr.so has the dump's build id (or, when the dump records none, its version);
//   4. the folder the dump says its libcoreclr.so was in (a self-contained app on this machine), only if the
//      libcoreclr.so there has the dump's build id (a dump that records none gets nothing from there).
// Every candidate must also pass FileTrust (owned by root or this user, no one else can write it or its folders).
// Never any network. When nothing qualifies, the error names the runtime version and build id and how to get the DAC.
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public sealed record DacSearch(string? DacPath, IReadOnlyList<string> Folders)
{
    public static readonly DacSearch None = new(null, Array.Empty<string>());
}

public static class DacLocator
{
    public const string DacFileName = "libmscordaccore.so";
    private const string CoreclrFileName = "libcoreclr.so";
    private const string RuntimePack = "Microsoft.NETCore.App.Runtime.linux-x64";

    /// <summary>The trusted DAC for this runtime; throws error 1001 saying what is needed when there is none.</summary>
    public static string Find(ClrInfo clr, string dumpPath, string version, DacSearch search)
    {
        string? buildId = DumpBuildId(clr);
        var looked = new List<string>();
        var refused = new List<string>();

        string? Accept(string candidate, string? coreclrBeside)
        {
            if (!File.Exists(candidate)) return null;
            if (coreclrBeside is not null && buildId is not null && File.Exists(coreclrBeside))
            {
                string? besideId = ElfBuildId.Read(coreclrBeside);
                if (besideId != buildId)
                {
                    refused.Add($"{candidate} (its {CoreclrFileName} is build {besideId ?? "unknown"}, not the dump's)");
                    return null;
                }
            }
            string? why = FileTrust.WhyUntrusted(candidate);
            if (why is null) return candidate;
            refused.Add($"{candidate} ({why})");
            Log.Warn($"Not loading the DAC {candidate}: {why}.");
            return null;
        }

        if (search.DacPath is not null)
        {
            if (!File.Exists(search.DacPath))
                throw DumpFileCheck.Unreadable($"The DAC given as dacPath ({search.DacPath}) does not exist: give the {DacFileName} of .NET {version}, the runtime that wrote the dump.");
            string? given = Accept(search.DacPath, null);
            if (given is not null) return given;
        }

        foreach (string folder in search.Folders.Where(f => !string.IsNullOrWhiteSpace(f)).Select(Path.GetFullPath))
        {
            looked.Add(folder);
            if (buildId is not null && Accept(Path.Combine(folder, DacFileName, $"elf-buildid-coreclr-{buildId}", DacFileName), null) is { } stored)
                return stored;
            if (Accept(Path.Combine(folder, DacFileName), Path.Combine(folder, CoreclrFileName)) is { } plain)
                return plain;
        }

        foreach (string runtimeDir in InstalledRuntimeFolders())
        {
            bool same = buildId is not null
                ? ElfBuildId.Read(Path.Combine(runtimeDir, CoreclrFileName)) == buildId
                : string.Equals(Path.GetFileName(runtimeDir), version, StringComparison.Ordinal);
            if (same && Accept(Path.Combine(runtimeDir, DacFileName), null) is { } installed) return installed;
        }
        looked.Add("the .NET runtimes installed here");

        string? recorded = Path.GetDirectoryName(clr.ModuleInfo.FileName);
        if (!string.IsNullOrEmpty(recorded) && Path.IsPathRooted(recorded))
        {
            looked.Add(recorded);
            string coreclr = Path.Combine(recorded, CoreclrFileName);
            // Beside the app, the runtime must be the very build that wrote the dump: a copied or crafted dump
            // cannot point the agent at a folder whose libcoreclr.so is another (or no) build.
            // A dump that records no build id gets nothing from this folder.
            if (buildId is not null && File.Exists(coreclr) && Accept(Path.Combine(recorded, DacFileName), coreclr) is { } beside)
                return beside;
        }

        throw DumpFileCheck.Unreadable(NotFound(dumpPath, version, buildId, looked, refused));
    }

    private static string NotFound(string dumpPath, string version, string? buildId, List<string> looked, List<string> refused)
    {
        bool known = version != "unknown";
        string runtime = known ? $".NET {version}" : ".NET (its version is not recorded in the dump)";
        string id = buildId is null ? "" : $" (libcoreclr.so build id {buildId})";
        string pack = known ? $"the NuGet package {RuntimePack} {version}" : $"the NuGet package {RuntimePack} of that version";
        string store = buildId is null ? "" : $"; a symbol-store folder is searched as DIR/{DacFileName}/elf-buildid-coreclr-{buildId}/{DacFileName}";
        string refusedText = refused.Count == 0 ? "" : $" Refused, because a DAC is loaded as code: {string.Join("; ", refused)}.";
        return $"The dump {dumpPath} was written by {runtime}{id}, and HeapLens found no DAC ({DacFileName}) for it that it may load. "
            + $"Get that runtime's {DacFileName}: from {pack} (runtimes/linux-x64/native/), or from shared/Microsoft.NETCore.App/{(known ? version : "<version>")}/ "
            + $"on a machine with that runtime (or the app's folder, if it was published self-contained). Put it in a folder owned by you that others cannot write, "
            + $"and pass it with --dac-dir DIR (heaplens) or the setting heaplens.dacSearchPaths (VS Code){store}. "
            + $"Looked in: {string.Join(", ", looked)}.{refusedText}";
    }

    /// <summary>The dump's libcoreclr.so build id as lower-case hex, or null when the dump does not record one.</summary>
    public static string? DumpBuildId(ClrInfo clr)
    {
        var id = clr.BuildId.IsDefaultOrEmpty ? clr.ModuleInfo.BuildId : clr.BuildId;
        return id.IsDefaultOrEmpty ? null : Convert.ToHexString(id.AsSpan()).ToLowerInvariant();
    }

    /// <summary>Version folders of Microsoft.NETCore.App under every dotnet root this machine has.</summary>
    private static IEnumerable<string> InstalledRuntimeFolders()
    {
        var roots = new List<string>();
        // The runtime running this agent: <root>/shared/Microsoft.NETCore.App/<version>/
        string own = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        if (Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(own))) is { } ownRoot) roots.Add(ownRoot);
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } envRoot) roots.Add(envRoot);
        roots.AddRange(new[] { "/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet", "/opt/dotnet" });
        if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home) roots.Add(Path.Combine(home, ".dotnet"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in roots)
        {
            string shared = Path.Combine(root, "shared", "Microsoft.NETCore.App");
            if (!Directory.Exists(shared)) continue;
            foreach (string dir in Directory.EnumerateDirectories(shared).Order(StringComparer.Ordinal))
            {
                if (seen.Add(Path.GetFullPath(dir))) yield return dir;
            }
        }
    }
}
