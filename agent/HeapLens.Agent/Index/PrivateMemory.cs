// The agent's own memory at a moment, for its log: its private (anonymous) resident memory as Linux counts it
// (RssAnon), which is what the memory goal and the benchmark measure, so a log shows where an open's memory went.
using System.Globalization;

namespace HeapLens.Agent.Index;

public static class PrivateMemory
{
    /// <summary>Resident anonymous memory in bytes, or -1 where /proc/self/status does not say (not Linux).</summary>
    public static long ResidentBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("RssAnon:", StringComparison.Ordinal)) continue;
                string kb = line["RssAnon:".Length..].Trim().Split(' ')[0];
                return long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value * 1024 : -1;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return -1;
    }

    /// <summary>"private memory 305 MB" for a log line, or "private memory unknown".</summary>
    public static string Describe()
    {
        long bytes = ResidentBytes();
        return bytes < 0 ? "private memory unknown" : $"private memory {bytes / 1048576:N0} MB";
    }
}
