// Numbers and names in the words of insight titles and details: "1,250", "1.1 MB", "1 thread" / "20 threads".
// Independent of the machine's culture, like the CLI's tables.
using System.Globalization;

namespace HeapLens.Agent.Insights;

public static class Wording
{
    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>"1 delegate", "1,000 delegates".</summary>
    public static string Count(long n, string one, string? many = null) => $"{Count(n)} {(n == 1 ? one : many ?? one + "s")}";

    public static string Bytes(long bytes)
    {
        string[] units = { "KB", "MB", "GB", "TB" };
        if (Math.Abs(bytes) < 1024) return $"{bytes} B";
        double value = bytes;
        int unit = -1;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Percent(double percent) => percent.ToString("0.#", CultureInfo.InvariantCulture) + "%";

    /// <summary>The last part of a type name, for titles: "EventHandlers.Clock" → "Clock" (generic arguments kept).</summary>
    public static string ShortType(string name)
    {
        int generic = name.IndexOf('<');
        int dot = name.LastIndexOf('.', generic < 0 ? name.Length - 1 : generic);
        return dot < 0 ? name : name[(dot + 1)..];
    }

    /// <summary>Text shown in a figure: at most max characters, control characters escaped.</summary>
    public static string Preview(string text, int max)
    {
        string cut = text.Length > max ? text[..max] + "…" : text;
        var builder = new System.Text.StringBuilder(cut.Length);
        foreach (char c in cut) builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return builder.ToString();
    }
}
