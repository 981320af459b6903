// Maps a frame (method + instruction pointer) to a source file and line through the module's portable PDB:
// IL offset from ClrMD, then the last visible sequence point at or before it. One PDB reader per module, kept
// for the snapshot's life; a PDB whose id does not match the module is ignored (its lines would be wrong).
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Runtime;

public readonly record struct SourceLine(string File, int Line);

public sealed class SourceLocator : IDisposable
{
    private const int MethodDefTable = 0x06;
    private readonly Dictionary<string, MetadataReaderProvider?> _pdbs = new(StringComparer.Ordinal);

    /// <summary>
    /// The source line of a frame. A non-leaf frame's instruction pointer is a return address, the instruction after
    /// the call, which may belong to the next line; ip-1 lies inside the call, so it is used there.
    /// </summary>
    public SourceLine? Find(ClrMethod? method, ulong ip, bool isLeaf)
    {
        if (method is null || ip == 0) return null;
        int il;
        try
        {
            il = method.GetILOffset(isLeaf ? ip : ip - 1);
            if (il < 0 && !isLeaf) il = method.GetILOffset(ip);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException or ArgumentException)
        {
            Log.Warn($"No source line for {method.Name}: {ex.Message}");
            return null;
        }
        return il < 0 ? null : AtILOffset(method, il);
    }

    /// <summary>The line of an IL offset of a method: the last visible sequence point at or before it.</summary>
    public SourceLine? AtILOffset(ClrMethod method, int il) => Lookup(method, il);

    /// <summary>The first line of a method's body (its first visible sequence point), e.g. where an event handler starts.</summary>
    public SourceLine? FirstLineOf(ClrMethod method) => Lookup(method, -1);

    /// <summary>il &gt;= 0: the last visible point at or before it; il = -1: the first visible point.</summary>
    private SourceLine? Lookup(ClrMethod method, int il)
    {
        try
        {
            int token = method.MetadataToken;
            if (token >> 24 != MethodDefTable) return null;
            MetadataReader? pdb = ReaderFor(method.Type?.Module);
            if (pdb is null) return null;
            int row = token & 0xffffff;
            if (row == 0 || row > pdb.MethodDebugInformation.Count) return null;

            MethodDebugInformation info = pdb.GetMethodDebugInformation(MetadataTokens.MethodDefinitionHandle(row));
            SequencePoint? best = null;
            foreach (SequencePoint point in info.GetSequencePoints())
            {
                if (point.IsHidden) continue;
                if (il < 0)
                {
                    if (best is null || point.Offset < best.Value.Offset) best = point;
                }
                else if (point.Offset <= il && (best is null || point.Offset >= best.Value.Offset))
                {
                    best = point;
                }
            }
            if (best is null) return null;
            string file = pdb.GetString(pdb.GetDocument(best.Value.Document).Name);
            return new SourceLine(file, best.Value.StartLine);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException or ArgumentException)
        {
            Log.Warn($"No source line for {method.Name}: {ex.Message}");
            return null;
        }
    }

    private MetadataReader? ReaderFor(ClrModule? module)
    {
        string? name = module?.Name;
        if (module is null || string.IsNullOrEmpty(name)) return null;
        if (!_pdbs.TryGetValue(name, out MetadataReaderProvider? provider))
        {
            provider = Load(module, name);
            _pdbs[name] = provider;
        }
        return provider?.GetMetadataReader();
    }

    private static MetadataReaderProvider? Load(ClrModule module, string modulePath)
    {
        Guid expected = module.Pdb?.Guid ?? Guid.Empty;
        var candidates = new List<string>();
        if (Path.IsPathRooted(modulePath)) candidates.Add(Path.ChangeExtension(modulePath, ".pdb"));
        string? recorded = module.Pdb?.Path;
        if (!string.IsNullOrEmpty(recorded) && Path.IsPathRooted(recorded)) candidates.Add(recorded);

        foreach (string candidate in candidates.Distinct())
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                var provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(candidate), MetadataStreamOptions.PrefetchMetadata);
                if (Matches(provider.GetMetadataReader(), expected)) return provider;
                Log.Warn($"Ignoring {candidate}: it belongs to another build of {Path.GetFileName(modulePath)}.");
                provider.Dispose();
            }
            catch (BadImageFormatException)
            {
                // A Windows (native) PDB, or not a PDB at all.
            }
        }
        return Embedded(modulePath);
    }

    /// <summary>Portable PDBs can also be embedded in the module itself (DebugType=embedded).</summary>
    private static MetadataReaderProvider? Embedded(string modulePath)
    {
        if (!Path.IsPathRooted(modulePath) || !File.Exists(modulePath)) return null;
        try
        {
            using var pe = new PEReader(File.OpenRead(modulePath));
            foreach (DebugDirectoryEntry entry in pe.ReadDebugDirectory())
            {
                if (entry.Type == DebugDirectoryEntryType.EmbeddedPortablePdb) return pe.ReadEmbeddedPortablePdbDebugDirectoryData(entry);
            }
        }
        catch (BadImageFormatException)
        {
        }
        return null;
    }

    private static bool Matches(MetadataReader pdb, Guid expected)
    {
        if (expected == Guid.Empty || pdb.DebugMetadataHeader is not DebugMetadataHeader header) return true;
        var id = header.Id;
        return id.Length >= 16 && new Guid(id.AsSpan(0, 16)) == expected;
    }

    public void Dispose()
    {
        foreach (MetadataReaderProvider? provider in _pdbs.Values) provider?.Dispose();
        _pdbs.Clear();
    }
}
