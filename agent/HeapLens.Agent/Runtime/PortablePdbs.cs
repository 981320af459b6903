// Source lines from portable PDBs, by module file, method token and IL offset: the last visible sequence point at
// or before the offset. One reader per module, kept for the owner's life; a PDB whose id does not match the module
// is ignored (its lines would be wrong). Used for dumps (SourceLocator, through ClrMD) and for live allocation
// stacks (Tracing/FrameResolver, through the runtime's method events).
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace HeapLens.Agent.Runtime;

public readonly record struct SourceLine(string File, int Line);

public sealed class PortablePdbs : IDisposable
{
    private const int MethodDefTable = 0x06;
    private readonly Dictionary<string, MetadataReaderProvider?> _pdbs = new(StringComparer.Ordinal);

    /// <summary>
    /// il &gt;= 0: the line of that IL offset; il = -1: the method's first line. `expected` is the PDB id the module
    /// records (Guid.Empty: read it from the module file); `recordedPdb` the PDB path it records, if known.
    /// </summary>
    public SourceLine? Find(string? modulePath, int token, int il, Guid expected = default, string? recordedPdb = null)
    {
        if (string.IsNullOrEmpty(modulePath) || token >> 24 != MethodDefTable) return null;
        MetadataReader? pdb = ReaderFor(modulePath, expected, recordedPdb);
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

    private MetadataReader? ReaderFor(string modulePath, Guid expected, string? recordedPdb)
    {
        if (!_pdbs.TryGetValue(modulePath, out MetadataReaderProvider? provider))
        {
            provider = Load(modulePath, expected, recordedPdb);
            _pdbs[modulePath] = provider;
        }
        return provider?.GetMetadataReader();
    }

    private static MetadataReaderProvider? Load(string modulePath, Guid expected, string? recordedPdb)
    {
        if (expected == Guid.Empty) (expected, recordedPdb) = CodeView(modulePath, recordedPdb);
        var candidates = new List<string>();
        if (Path.IsPathRooted(modulePath)) candidates.Add(Path.ChangeExtension(modulePath, ".pdb"));
        if (!string.IsNullOrEmpty(recordedPdb) && Path.IsPathRooted(recordedPdb)) candidates.Add(recordedPdb);

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

    /// <summary>The PDB id and path a module file records in its CodeView debug entry.</summary>
    private static (Guid, string?) CodeView(string modulePath, string? recordedPdb)
    {
        if (!Path.IsPathRooted(modulePath) || !File.Exists(modulePath)) return (Guid.Empty, recordedPdb);
        try
        {
            using var pe = new PEReader(File.OpenRead(modulePath));
            foreach (DebugDirectoryEntry entry in pe.ReadDebugDirectory())
            {
                if (entry.Type != DebugDirectoryEntryType.CodeView) continue;
                CodeViewDebugDirectoryData data = pe.ReadCodeViewDebugDirectoryData(entry);
                return (data.Guid, recordedPdb ?? data.Path);
            }
        }
        catch (BadImageFormatException)
        {
        }
        return (Guid.Empty, recordedPdb);
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
