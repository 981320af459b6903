// Tells an empty finalizer from one that does work, by its IL. `~T() { }` compiles to a try block with nothing
// in it and a finally that calls the base Finalize: nop, leave, ldarg.0, call, endfinally, ret and nothing else.
// Any other instruction, or a second call, is work. When the IL cannot be read (framework code precompiled into
// the image, a dump without the module's pages and no file on disk) the finalizer is not judged.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class FinalizerBodies
{
    /// <summary>The type's own Finalize, or the nearest base type's (the one the runtime will call).</summary>
    public static ClrMethod? FinalizeOf(ClrType type)
    {
        for (ClrType? t = type; t is not null && t.Name != "System.Object"; t = t.BaseType)
        {
            foreach (ClrMethod method in t.Methods)
            {
                if (method.Name == "Finalize" && method.Type?.MethodTable == t.MethodTable) return method;
            }
        }
        return null;
    }

    /// <summary>Code of the shared framework (…/shared/Microsoft.NETCore.App/…, ASP.NET Core's, …) or a dynamic module.</summary>
    public static bool IsFramework(ClrMethod method) => IsFrameworkModule(method.Type?.Module?.Name);

    /// <summary>The same judgement for a module's path.</summary>
    public static bool IsFrameworkModule(string? path)
    {
        if (string.IsNullOrEmpty(path)) return true;
        string normalized = path.Replace('\\', '/');
        return normalized.Contains("/shared/Microsoft.", StringComparison.OrdinalIgnoreCase)
            || Path.GetFileName(normalized).Equals("System.Private.CoreLib.dll", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True: empty; false: does work; null: the IL could not be read.</summary>
    public static (bool? Empty, int ILBytes) Judge(ClrMethod method, IDataReader memory)
    {
        byte[]? il = MethodBodies.ReadIL(method, memory);
        if (il is null) return (null, 0);
        int calls = 0;
        int decoded = 0;
        foreach (ILInstruction instruction in MethodBodies.Decode(il))
        {
            decoded = instruction.Offset + 1;
            switch (instruction.OpCode)
            {
                case MethodBodies.Nop:
                case MethodBodies.LdArg0:
                case MethodBodies.Leave:
                case MethodBodies.LeaveShort:
                case MethodBodies.EndFinally:
                case MethodBodies.Ret:
                    break;
                case MethodBodies.Call:
                    if (++calls > 1) return (false, il.Length);
                    break;
                default:
                    return (false, il.Length);
            }
        }
        return (decoded > 0 ? calls == 1 : null, il.Length);
    }
}
