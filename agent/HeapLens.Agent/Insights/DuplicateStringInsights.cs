// duplicate-strings: identical texts held many times by the program, judged in total: real duplication is usually many
// texts each repeated a little (a status, a country, a key read again for every record), none of which matters alone.
// Reachable strings are grouped by length and a 64-bit hash of their first characters (one pass, bounded: at most
// DuplicateMaxStrings strings, DuplicateHashChars characters hashed each). A text no longer than that is hashed whole;
// a longer one's group is confirmed member by member against one copy, and so are the reported texts', so a hash
// collision never inflates what is reported. Wasted bytes = (copies - 1) × the size of one copy, summed over the texts.
// For the largest text it says who holds the copies: the retention paths of a few copies, grouped by their shape.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using HeapLens.Agent.Index;
using HeapLens.Agent.Roots;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class DuplicateStringInsights
{
    private const int MaxCompareChars = 1 << 20;
    private const int MaxAddresses = 3;
    private const int TextsNamed = 5;
    /// <summary>Copies of the largest text whose retention paths are looked for (each is a backward search).</summary>
    private const int CopiesTraced = 5;

    private sealed class Group
    {
        public int Count;
        public int First;
        public long Size;
        public List<int>? Members;
        public string? Text;

        public long Wasted => Count > 1 ? (Count - 1) * Size : 0;
    }

    public static IEnumerable<Insight> Find(SnapshotFacts facts, CancellationToken cancellation)
    {
        HeapIndex index = facts.Snapshot.Index;
        int[] stringTypes = index.Types.Named("System.String");
        if (stringTypes.Length == 0) return Array.Empty<Insight>();
        bool[] reachable = facts.Reachable(cancellation);
        IDataReader memory = facts.Snapshot.Runtime.DataTarget.DataReader;
        int pointerSize = memory.PointerSize;

        // Pass 1: group by (length, hash of the first characters); count the bytes of all live strings.
        var groups = new Dictionary<(int Length, ulong Hash), Group>();
        var buffer = new byte[4 + 2 * InsightThresholds.DuplicateHashChars];
        int examined = 0;
        long stringBytes = 0;
        bool truncated = false;
        var strings = index.InstancesOf(stringTypes, 0, int.MaxValue, cancellation);
        foreach (int s in strings)
        {
            if (!reachable[s]) continue;
            if (examined >= InsightThresholds.DuplicateMaxStrings)
            {
                truncated = true;
                break;
            }
            if ((++examined & 0xffff) == 0) cancellation.ThrowIfCancellationRequested();
            stringBytes += (long)index.SizeOf(s);
            if (!Key(memory, index.Addresses[s], pointerSize, buffer, out var key)) continue;
            if (groups.TryGetValue(key, out Group? group)) group.Count++;
            else groups[key] = new Group { Count = 1, First = s, Size = (long)index.SizeOf(s) };
        }

        // Pass 2: confirm, member by member, the groups a hash alone cannot vouch for (texts longer than what is
        // hashed) and the largest ones, which are reported by name.
        var duplicated = groups.Where(g => g.Value.Count > 1).ToList();
        var confirm = duplicated
            .Where(g => g.Key.Length > InsightThresholds.DuplicateHashChars)
            .Concat(duplicated.OrderByDescending(g => g.Value.Wasted).Take(InsightThresholds.DuplicateTextsReported * 2))
            .DistinctBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.Value);
        foreach (var (key, group) in confirm)
        {
            group.Text = ReadText(memory, index.Addresses[group.First], pointerSize, key.Length);
            group.Members = new List<int>();
        }
        int checkedCount = 0;
        foreach (int s in strings)
        {
            if (confirm.Count == 0) break;
            if (!reachable[s]) continue;
            if (++checkedCount > examined) break;
            if ((checkedCount & 0xffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (!Key(memory, index.Addresses[s], pointerSize, buffer, out var key) || !confirm.TryGetValue(key, out Group? group)) continue;
            if (group.Text is null || key.Length > MaxCompareChars || ReadText(memory, index.Addresses[s], pointerSize, key.Length) == group.Text)
                group.Members!.Add(s);
        }
        foreach (Group group in confirm.Values) group.Count = group.Members!.Count;

        var texts = duplicated.Select(g => (g.Key.Length, Group: g.Value)).Where(g => g.Group.Count > 1).ToList();
        long wasted = texts.Sum(t => t.Group.Wasted);
        double percent = stringBytes == 0 ? 0 : 100.0 * wasted / stringBytes;
        bool large = wasted >= InsightThresholds.DuplicateMinWastedBytes
            || (percent >= InsightThresholds.DuplicateMinPercent && wasted >= InsightThresholds.DuplicateFloorBytes);
        Log.Info($"Duplicate strings of {facts.Snapshot.Id}: {texts.Count:N0} texts held more than once waste {wasted:N0} of {stringBytes:N0} string bytes ({percent:0.#}%).");
        if (!large) return Array.Empty<Insight>();
        bool warning = wasted >= InsightThresholds.DuplicateWarnWastedBytes || percent >= InsightThresholds.DuplicateWarnPercent;

        // The largest texts, by waste, then by text so that equal ones come in a stable order.
        var top = texts
            .Where(t => t.Group.Members is not null)
            .OrderByDescending(t => t.Group.Wasted)
            .ThenBy(t => t.Group.Text, StringComparer.Ordinal)
            .Take(InsightThresholds.DuplicateTextsReported)
            .ToList();
        string? holders = top.Count > 0 ? Holders(facts, top[0].Group.Members!, cancellation) : null;
        return new[] { Describe(index, texts.Count, texts.Sum(t => (long)t.Group.Count - 1), wasted, stringBytes, percent, warning, top, holders, truncated, examined) };
    }

    private static Insight Describe(HeapIndex index, int textCount, long extraCopies, long wasted, long stringBytes, double percent, bool warning,
        List<(int Length, Group Group)> top, string? holders, bool truncated, int examined)
    {
        string title = $"Duplicate strings waste {Wording.Bytes(wasted)} ({Wording.Percent(percent)} of string bytes): {Wording.Count(textCount, "text")} held more than once";
        string named = string.Join(", ", top.Take(TextsNamed).Select(t =>
            $"\"{Wording.Preview(t.Group.Text ?? "", 40)}\" ×{Wording.Count(t.Group.Count)} ({Wording.Bytes(t.Group.Wasted)})"));
        string detail =
            $"{Wording.Count(extraCopies)} extra copies of {Wording.Count(textCount, "text")} waste {Wording.Count(wasted)} bytes, "
            + $"{Wording.Percent(percent)} of the {Wording.Bytes(stringBytes)} held in live strings. "
            + (named.Length > 0 ? $"The largest: {named}{(textCount > TextsNamed ? " and more" : "")}. " : "")
            + (holders is not null ? $"Copies of the first are held by {holders}. " : "")
            + "Identical strings pile up when a text is built again for every record (parsing, string.Format, ToString, Substring, "
            + "reading the same values from a file or database); each text alone may be small, together they add up. Reuse one "
            + "instance: a constant or enum for a fixed set of values, a lookup of the texts already seen (a Dictionary or "
            + "HashSet used as a pool), or string.Intern for texts that live as long as the program."
            + (truncated ? $" (Only the first {Wording.Count(examined)} strings of this heap were examined.)" : "");
        var figures = new Figures()
            .Add("wastedBytes", wasted)
            .Add("wastedPercent", percent)
            .Add("stringBytes", stringBytes)
            .Add("duplicatedTexts", textCount)
            .Add("extraCopies", extraCopies);
        List<int> sample = new();
        if (top.Count > 0)
        {
            var (length, largest) = top[0];
            figures.Add("text", Wording.Preview(largest.Text ?? "", InsightThresholds.DuplicateTextPreview))
                .Add("length", length)
                .Add("copies", largest.Count)
                .Add("bytesEach", largest.Size)
                .Add("textWastedBytes", largest.Wasted);
            if (holders is not null) figures.Add("holders", holders);
            sample = largest.Members!;
        }
        return new Insight(
            InsightKind.DuplicateStrings,
            warning ? Severity.Warning : Severity.Info,
            title,
            detail,
            figures.Build(),
            Array.Empty<InsightLocation>(),
            new[] { "System.String" },
            sample.Take(MaxAddresses).Select(m => Json.Hex(index.Addresses[m])).ToList());
    }

    /// <summary>
    /// Who holds the copies of one text: the shortest retention paths of a few copies, told apart by their shape (root,
    /// types and fields, array indices dropped); the most common shape, with how many of the traced copies share it.
    /// </summary>
    private static string? Holders(SnapshotFacts facts, List<int> copies, CancellationToken cancellation)
    {
        RetentionPathFinder finder = facts.Snapshot.PathFinder;
        var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
        int traced = 0;
        foreach (int copy in copies.Take(CopiesTraced))
        {
            var paths = finder.Find(copy, full: true, cancellation);
            if (paths.Count == 0) continue;
            traced++;
            string shape = Shape(paths[0].Path);
            shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
        }
        if (traced == 0) return null;
        var (common, count) = shapes.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).First();
        return $"{common} ({count} of {Wording.Count(traced, "copy", "copies")} traced)";
    }

    /// <summary>"static Ns.Program.Records → Record[] → [] Record → Status String".</summary>
    private static string Shape(RetentionPath path)
    {
        RootDescription root = path.Root;
        string from = root.Kind switch
        {
            "static" => $"static {root.Field}",
            "stack" => $"a local of {root.Method}",
            "handle" => $"a {root.HandleKind ?? "GC"} handle",
            "finalizer" => "the finalization queue",
            _ => root.Kind,
        };
        var parts = new List<string> { from };
        foreach (PathLink link in path.Links)
        {
            string field = link.Field is null ? "" : System.Text.RegularExpressions.Regex.Replace(link.Field, @"\[\d+\]", "[]") + " ";
            parts.Add(field + Wording.ShortType(link.Type));
        }
        return string.Join(" → ", parts);
    }

    /// <summary>Length and hash of a string's first characters, read in one go (layout: method table, int length, UTF-16 chars).</summary>
    private static bool Key(IDataReader memory, ulong address, int pointerSize, byte[] buffer, out (int Length, ulong Hash) key)
    {
        key = default;
        int read = memory.Read(address + (ulong)pointerSize, buffer);
        if (read < 4) return false;
        int length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (length < 0) return false;
        int bytes = Math.Min(read - 4, 2 * Math.Min(length, InsightThresholds.DuplicateHashChars));
        key = (length, Hash(buffer.AsSpan(4, bytes)));
        return true;
    }

    private static ulong Hash(ReadOnlySpan<byte> data)
    {
        const ulong Prime = 0x100000001b3;
        ulong hash = 0xcbf29ce484222325;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong word in words) hash = (hash ^ word) * Prime;
        for (int i = words.Length * 8; i < data.Length; i++) hash = (hash ^ data[i]) * Prime;
        return hash ^ (hash >> 29);
    }

    private static string? ReadText(IDataReader memory, ulong address, int pointerSize, int length)
    {
        if (length > MaxCompareChars) return null;
        var bytes = new byte[2 * length];
        if (memory.Read(address + (ulong)pointerSize + 4, bytes) != bytes.Length) return null;
        return MemoryMarshal.Cast<byte, char>(bytes).ToString();
    }
}
