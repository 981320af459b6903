// How methods and frames are named for the user: "Ns.Type.Method", and "[FrameName]" for runtime frames.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Runtime;

public static class MethodNames
{
    public static string Of(ClrMethod? method)
    {
        if (method is null) return "[unknown method]";
        string? type = method.Type?.Name;
        return string.IsNullOrEmpty(type) ? method.Name ?? "[unknown method]" : $"{type}.{method.Name}";
    }

    public static string Of(ClrStackFrame frame) =>
        frame.Kind == ClrStackFrameKind.ManagedMethod && frame.Method is not null
            ? Of(frame.Method)
            : $"[{(string.IsNullOrEmpty(frame.FrameName) ? "Runtime" : frame.FrameName)}]";
}
