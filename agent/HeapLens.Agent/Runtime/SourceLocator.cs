// Maps a frame of a dump (ClrMD method + instruction pointer) to a source file and line: the IL offset from ClrMD,
// then the module's portable PDB (PortablePdbs), kept for the snapshot's life.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Runtime;

public sealed class SourceLocator : IDisposable
{
    private readonly PortablePdbs _pdbs = new();

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

    /// <summary>The line of an IL offset of a method known by its module and MethodDef token (e.g. read from the module's IL).</summary>
    public SourceLine? AtILOffset(ClrModule module, int methodToken, int il) => Lookup(module, methodToken, il, $"method 0x{methodToken:x8}");

    private SourceLine? Lookup(ClrMethod method, int il) => Lookup(method.Type?.Module, method.MetadataToken, il, method.Name);

    /// <summary>il &gt;= 0: the last visible point at or before it; il = -1: the first visible point.</summary>
    private SourceLine? Lookup(ClrModule? module, int token, int il, string? what)
    {
        try
        {
            if (module is null || string.IsNullOrEmpty(module.Name)) return null;
            return _pdbs.Find(module.Name, token, il, module.Pdb?.Guid ?? Guid.Empty, module.Pdb?.Path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException or ArgumentException)
        {
            Log.Warn($"No source line for {what}: {ex.Message}");
            return null;
        }
    }

    public void Dispose() => _pdbs.Dispose();
}
