// Keeps a retention path's reply bounded: a path of more than MaxLinks entries (a chain of 100,000 objects that no
// run folds, or any long chain with `full`) keeps its first and last MaxLinks/2 entries, the ends a user reads (the
// root's side and the target's side), and says how many links it left out between them (a folded entry counting
// the links it stands for). Without this one path could make a reply of any size. The same bound applies to the
// shape of a retention group (heap/retentionGroups), which is as long as its example's path when nothing folds.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Roots;

public static class PathBound
{
    public const int MaxLinks = 10_000;

    public static RetentionPath Bound(RetentionPath path, int maxLinks = MaxLinks)
    {
        IReadOnlyList<PathLink> links = Ends(path.Links, maxLinks, l => l.Repeat ?? 1, out OmittedLinks? omitted);
        return omitted is null ? path : path with { Links = links, Omitted = omitted };
    }

    public static RetentionGroup Bound(RetentionGroup group, int maxLinks = MaxLinks)
    {
        IReadOnlyList<GroupLink> links = Ends(group.Links, maxLinks, l => l.Repeat ?? 1, out OmittedLinks? omitted);
        return omitted is null ? group : group with { Links = links, Omitted = omitted };
    }

    /// <summary>
    /// The entries themselves when there are at most maxLinks; else the first and last halves, and how many links
    /// (<paramref name="linksOf"/> an entry) were left out.
    /// </summary>
    private static IReadOnlyList<T> Ends<T>(IReadOnlyList<T> links, int maxLinks, Func<T, int> linksOf, out OmittedLinks? omitted)
    {
        int count = links.Count;
        omitted = null;
        if (count <= maxLinks) return links;
        int head = maxLinks / 2;
        int tail = maxLinks - head;
        var kept = new List<T>(maxLinks);
        for (int i = 0; i < head; i++) kept.Add(links[i]);
        for (int i = count - tail; i < count; i++) kept.Add(links[i]);
        long left = 0;
        for (int i = head; i < count - tail; i++) left += linksOf(links[i]);
        omitted = new OmittedLinks(head, (int)Math.Min(left, int.MaxValue));
        return kept;
    }
}
