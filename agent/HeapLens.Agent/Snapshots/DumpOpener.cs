// Opens a core dump with ClrMD without touching the network, loads the runtime's DAC that DacLocator trusts, and
// turns every way this can fail into error 1001 with a message that says what is wrong and what to do.
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Snapshots;

public static class DumpOpener
{
    public static (DataTarget Target, ClrRuntime Runtime) Open(string path, DacSearch search, CancellationToken cancellation)
    {
        DumpFileCheck.Validate(path);
        cancellation.ThrowIfCancellationRequested();

        DataTarget target;
        try
        {
            target = DataTarget.LoadDump(path, new DataTargetOptions
            {
                // Never a symbol server: files are looked up where the dump says they were, and nowhere else.
                FileLocator = LocalFilesOnly.Instance,
                SymbolPaths = Array.Empty<string>(),
                // Memory-mapped reads without a lock: a heap walk is read after read.
                UseLockFreeMemoryMapReader = true,
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw DumpFileCheck.Unreadable($"The dump {path} could not be read ({OneLine(ex.Message)}); it may be damaged: capture it again.", ex);
        }

        try
        {
            cancellation.ThrowIfCancellationRequested();
            ClrRuntime runtime = CreateRuntime(target, path, search);
            return (target, runtime);
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    private static ClrRuntime CreateRuntime(DataTarget target, string path, DacSearch search)
    {
        ClrInfo? clr = target.ClrVersions.FirstOrDefault(c => c.Flavor == ClrFlavor.Core) ?? target.ClrVersions.FirstOrDefault();
        if (clr is null)
            throw DumpFileCheck.Unreadable($"The dump {path} contains no .NET runtime: capture a dump of a running .NET (Core) process.");

        string version = RuntimeVersion.Of(clr);
        string dac = DacLocator.Find(clr, path, version, search);
        Log.Info($"Reading .NET {version} in {path} with the DAC {dac}.");
        // ClrMD compares the DAC's file version with the runtime's, which ELF dumps often do not record (0.0): then
        // there is nothing to compare; DacLocator has matched the runtime's build id where the DAC's folder has one.
        return Create(() => clr.CreateRuntime(dac, ignoreMismatch: clr.Version.Major == 0), path, version, dac);
    }

    private static ClrRuntime Create(Func<ClrRuntime> create, string path, string version, string dac)
    {
        try
        {
            ClrRuntime runtime = create();
            if (!runtime.Heap.CanWalkHeap)
                throw DumpFileCheck.Unreadable($"The GC heap in {path} cannot be walked (the process was in the middle of a garbage collection): capture the dump again.");
            return runtime;
        }
        catch (AgentException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw DumpFileCheck.Unreadable(
                $"The .NET {version} runtime in {path} could not be read with {dac} ({OneLine(ex.Message)}): the DAC must come from exactly the runtime that wrote the dump; if it does, the dump may be damaged: capture it again.",
                ex);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").TrimEnd('.');
}
