// duplicate-strings: identical texts held many times by the program. Reachable strings are grouped by length and
// a 64-bit hash of their first characters (one pass, bounded: at most DuplicateMaxStrings strings, DuplicateHashChars
// characters hashed each); the groups that would waste enough are then checked character by character against one
// member, so a hash collision never inflates a count. Wasted bytes = (copies - 1) × the size of one copy.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class DuplicateStringInsights
{
    private const int MaxCompareChars = 1 << 20;
    private const int MaxAddresses = 3;

    private sealed class Group
    {
        public int Count;
        public int First;
    }

    public static IEnumerable<Insight> Find(SnapshotFacts facts, CancellationToken cancellation)
    {
        HeapIndex index = facts.Snapshot.Index;
        int[] stringTypes = index.Types.Named("System.String");
        if (stringTypes.Length == 0) return Array.Empty<Insight>();
        bool[] reachable = facts.Reachable(cancellation);
        IDataReader memory = facts.Snapshot.Runtime.DataTarget.DataReader;
        int pointerSize = memory.PointerSize;

        // Pass 1: group by (length, hash of the first characters).
        var groups = new Dictionary<(int Length, ulong Hash), Group>();
        var buffer = new byte[4 + 2 * InsightThresholds.DuplicateHashChars];
        int examined = 0;
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
            if (!Key(memory, index.Addresses[s], pointerSize, buffer, out var key)) continue;
            if (groups.TryGetValue(key, out Group? group)) group.Count++;
            else groups[key] = new Group { Count = 1, First = s };
        }

        // Pass 2: confirm the promising groups member by member.
        var candidates = groups
            .Where(g => g.Value.Count > 1 && (g.Value.Count - 1) * (long)index.SizeOf(g.Value.First) >= InsightThresholds.DuplicateMinWastedBytes)
            .ToDictionary(g => g.Key, g => (Text: ReadText(memory, index.Addresses[g.Value.First], pointerSize, g.Key.Length), Members: new List<int>()));
        if (candidates.Count == 0) return Array.Empty<Insight>();
        int checkedCount = 0;
        foreach (int s in strings)
        {
            if (!reachable[s]) continue;
            if (++checkedCount > examined) break;
            if ((checkedCount & 0xffff) == 0) cancellation.ThrowIfCancellationRequested();
            if (!Key(memory, index.Addresses[s], pointerSize, buffer, out var key) || !candidates.TryGetValue(key, out var candidate)) continue;
            if (candidate.Text is null || key.Length > MaxCompareChars || ReadText(memory, index.Addresses[s], pointerSize, key.Length) == candidate.Text)
                candidate.Members.Add(s);
        }

        return candidates
            .Select(c => (c.Value.Text, c.Key.Length, c.Value.Members, Size: c.Value.Members.Count > 0 ? (long)index.SizeOf(c.Value.Members[0]) : 0))
            .Where(c => c.Members.Count > 1 && (c.Members.Count - 1) * c.Size >= InsightThresholds.DuplicateMinWastedBytes)
            .OrderByDescending(c => (c.Members.Count - 1) * c.Size)
            .Take(InsightThresholds.DuplicateTextsReported)
            .Select(c => Describe(index, c.Text, c.Length, c.Members, c.Size, truncated, examined))
            .ToList();
    }

    private static Insight Describe(HeapIndex index, string? text, int length, List<int> members, long size, bool truncated, int examined)
    {
        long copies = members.Count;
        long wasted = (copies - 1) * size;
        string preview = Wording.Preview(text ?? "", InsightThresholds.DuplicateTextPreview);
        string title = $"A {Wording.Count(length)}-character text is held {Wording.Count(copies, "time")}: {Wording.Bytes(wasted)} could be saved";
        string detail =
            $"{Wording.Count(copies)} separate string objects hold the text \"{preview}\" ({Wording.Count(size)} bytes each). "
            + $"One copy would do: the other {Wording.Count(copies - 1)} waste {Wording.Count(wasted)} bytes. Identical strings pile up "
            + "when a text is built again for every record (parsing, string.Format, ToString, Substring, reading the same values from "
            + "a file or database). Reuse one instance: a constant or enum for a fixed set of values, a lookup of the texts already "
            + "seen (a Dictionary or HashSet used as a pool), or string.Intern for texts that live as long as the program."
            + (truncated ? $" (Only the first {Wording.Count(examined)} strings of this heap were examined.)" : "");
        var figures = new Figures()
            .Add("text", preview)
            .Add("length", length)
            .Add("copies", copies)
            .Add("bytesEach", size)
            .Add("wastedBytes", wasted);
        return new Insight(
            InsightKind.DuplicateStrings,
            wasted >= InsightThresholds.DuplicateWarnWastedBytes ? Severity.Warning : Severity.Info,
            title,
            detail,
            figures.Build(),
            Array.Empty<InsightLocation>(),
            new[] { "System.String" },
            members.Take(MaxAddresses).Select(m => Json.Hex(index.Addresses[m])).ToList());
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
