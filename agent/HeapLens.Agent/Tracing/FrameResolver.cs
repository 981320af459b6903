// Turns a sampled stack (TraceLog's code addresses) into frames: the method's full name and, where the module has a
// portable PDB, the file and line of the IL offset the runtime's IL-to-native map gives (NativeCodeMaps). Framework assemblies ship
// without PDBs here, so the first frame with a line is the user's code.
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace HeapLens.Agent.Tracing;

public sealed record Frame(string Method, string? File, int? Line)
{
    public override string ToString() => File is null ? Method : $"{Method} ({File}:{Line})";
}

public sealed class FrameResolver
{
    private readonly PortablePdbs _pdbs = new();
    private readonly NativeCodeMaps _maps;

    public FrameResolver(NativeCodeMaps maps)
    {
        _maps = maps;
    }
    private readonly object _gate = new();

    public Frame[] Resolve(TraceCallStack? stack)
    {
        var frames = new List<Frame>();
        lock (_gate)
        {
            for (TraceCallStack? s = stack; s is not null && frames.Count < 64; s = s.Caller)
            {
                TraceCodeAddress address = s.CodeAddress;
                TraceMethod? method = address.Method;
                if (method is null) continue; // native frames (the allocator itself) have no method here
                SourceLine? line = null;
                int il = address.ILOffset >= 0 ? address.ILOffset : _maps.ILOffsetOf(address.Address);
                if (il >= 0)
                {
                    try
                    {
                        line = _pdbs.Find(method.MethodModuleFile?.FilePath, method.MethodToken, il);
                    }
                    catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException or ArgumentException)
                    {
                        Log.Warn($"No source line for {method.FullMethodName}: {ex.Message}");
                    }
                }
                frames.Add(new Frame(method.FullMethodName, line?.File, line?.Line));
            }
        }
        return frames.ToArray();
    }
}
