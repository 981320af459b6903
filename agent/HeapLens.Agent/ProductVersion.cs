// HeapLens's version as built into this agent: the informational version scripts/build-agent.js stamps from
// package.json, without the "+commit" suffix the SDK appends.
using System.Reflection;

namespace HeapLens.Agent;

public static class ProductVersion
{
    public static readonly string Current = Read();

    private static string Read()
    {
        string? informational = typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return (informational ?? typeof(ProductVersion).Assembly.GetName().Version?.ToString() ?? "unknown").Split('+')[0];
    }
}
