// Keeps a retention path's reply bounded: a path of more than MaxLinks links (a chain of 100,000 objects) keeps its
// first and last MaxLinks/2 links, the ends a user reads (the root's side and the target's side), and says how many
// links it left out between them. Without this one path could make a reply of any size.
using HeapLens.Agent.Rpc;

namespace HeapLens.Agent.Roots;

public static class PathBound
{
    public const int MaxLinks = 10_000;

    public static RetentionPath Bound(RetentionPath path, int maxLinks = MaxLinks)
    {
        int count = path.Links.Count;
        if (count <= maxLinks) return path;
        int head = maxLinks / 2;
        int tail = maxLinks - head;
        var links = new List<PathLink>(maxLinks);
        for (int i = 0; i < head; i++) links.Add(path.Links[i]);
        for (int i = count - tail; i < count; i++) links.Add(path.Links[i]);
        return path with { Links = links, Omitted = new OmittedLinks(head, count - maxLinks) };
    }
}
