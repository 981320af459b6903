// ClrMD's file locator, replaced so that opening a dump never reaches a symbol server: a file is found only if it
// exists at the path the dump recorded (the DAC beside the runtime's libcoreclr.so on this machine).
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public sealed class LocalFilesOnly : IFileLocator
{
    public static readonly LocalFilesOnly Instance = new();

    public string? FindPEImage(string fileName, int buildTimeStamp, int imageSize, bool checkProperties) => Existing(fileName);

    public string? FindPEImage(string fileName, SymbolProperties archivedUnder, ImmutableArray<byte> buildIdOrUUID, OSPlatform originalPlatform, bool checkProperties) =>
        Existing(fileName);

    private static string? Existing(string fileName) => Path.IsPathRooted(fileName) && File.Exists(fileName) ? fileName : null;
}
