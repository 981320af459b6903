// heap/retentionGroups (MAT "merge shortest paths to GC roots", dotMemory "similar retention"): the shortest path of
// every live instance of a heap type, grouped by its shape: the root's kind and name, then the sequence of link types
// and fields, array indices dropped ("[]") and a run of equal links (same type and field) folded into one.
// Shapes are shared: an object's shape is its parent's shape plus one link (or its parent's shape when the link
// repeats the last one), computed once per object on the way up and interned, so a million instances in one list
// cost a million steps, and a 5,000-long chain costs 5,000, not 5,000². The children of an array of structs (a
// dictionary's entries) are named all at once, in one read of the array, when the first of them is reached.
using HeapLens.Agent.Index;
using HeapLens.Agent.Roots;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;

namespace HeapLens.Agent.Retention;

public sealed class RetentionGrouper
{
    public const int DefaultMax = 50;
    private const int NoField = -1;

    private readonly Snapshot _snapshot;
    private readonly SnapshotRetention _retention;
    private readonly HeapIndex _index;
    private readonly ShortestPathTree _paths;
    private readonly FieldNames _fieldNames;
    private readonly List<(int Parent, int Type, int Field)> _shapes = new();
    private readonly Dictionary<(int, int, int), int> _shapeIds = new();
    private readonly Dictionary<string, int> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _fieldList = new();
    private readonly Dictionary<string, int> _rootKeys = new(StringComparer.Ordinal);
    private readonly int[] _nameOfType;
    private readonly int[] _shapeOf;
    private readonly HashSet<int> _structArraysRead = new();
    private readonly sbyte[] _structArrayType;

    private RetentionGrouper(Snapshot snapshot, SnapshotRetention retention, CancellationToken cancellation)
    {
        _snapshot = snapshot;
        _retention = retention;
        _index = snapshot.Index;
        _paths = retention.Paths(cancellation);
        _fieldNames = new FieldNames(snapshot.Heap, snapshot.Runtime.DataTarget.DataReader);
        NameTotals names = _index.Types.Totals;
        _nameOfType = new int[_index.Types.Count];
        for (int t = 0; t < _nameOfType.Length; t++) _nameOfType[t] = names.PositionOf(_index.Types.NameOf(t));
        _shapeOf = new int[_index.Count];
        _structArrayType = new sbyte[_index.Types.Count];
    }

    /// <summary>Groups the live instances of the given heap types (one name). Call inside the snapshot's RunAsync.</summary>
    public static RetentionGroups Group(Snapshot snapshot, SnapshotRetention retention, string typeName, int[] types, int max, RequestContext context)
    {
        CancellationToken cancellation = context.Cancellation;
        // The paths start at named roots, gathered here the first time (the dominator tree does not need them).
        if (!snapshot.HasRoots) context.Progress("Reading the roots of the heap (stacks, statics, handles)");
        if (!snapshot.HasRetention || !retention.HasPaths) context.Progress("Finding the shortest retention path of every object");
        var grouper = new RetentionGrouper(snapshot, retention, cancellation);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var groups = new Dictionary<int, GroupTotals>();
        long instances = 0;
        DominatorTree tree = retention.Tree;
        foreach (int v in snapshot.Index.InstancesOf(types, 0, int.MaxValue, cancellation))
        {
            if (!snapshot.Live.IsLive(v)) continue;
            if ((++instances & 0xffff) == 0) cancellation.ThrowIfCancellationRequested();
            int shape = grouper.ShapeOf(v);
            if (!groups.TryGetValue(shape, out GroupTotals? g)) groups[shape] = g = new GroupTotals { Example = v };
            g.Count++;
            g.Bytes += (long)snapshot.Index.SizeOf(v);
            long retained = tree.RetainedBytes(v);
            // An instance inside another instance's dominator subtree is already counted there (as for the type).
            if (!retention.IsNested(v)) g.Retained += retained;
            if (retained > tree.RetainedBytes(g.Example)) g.Example = v;
        }

        var ordered = groups.OrderByDescending(p => p.Value.Retained).ThenByDescending(p => p.Value.Count).ThenBy(p => p.Value.Example).ToList();
        var shown = ordered.Take(max).Select(p => grouper.Describe(p.Key, p.Value, cancellation)).ToList();
        var rest = ordered.Skip(max).ToList();
        OtherGroups? others = rest.Count == 0
            ? null
            : new OtherGroups(rest.Count, rest.Sum(p => p.Value.Count), rest.Sum(p => p.Value.Bytes), rest.Sum(p => p.Value.Retained));
        Log.Info($"Grouped {instances:N0} {typeName} into {groups.Count:N0} retention groups ({grouper._shapes.Count:N0} shapes) in {clock.ElapsedMilliseconds} ms.");
        return new RetentionGroups(typeName, instances, shown, others);
    }

    /// <summary>The shape id of object v's shortest path, computing (and remembering) its ancestors' on the way.</summary>
    private int ShapeOf(int v)
    {
        if (_shapeOf[v] != 0) return _shapeOf[v] - 1;
        var pending = new List<int>();
        int x = v;
        while (_shapeOf[x] == 0)
        {
            pending.Add(x);
            int p = _paths.Parent(x);
            if (p < 0) break;
            x = p;
        }
        for (int k = pending.Count - 1; k >= 0; k--)
        {
            int y = pending[k];
            int p = _paths.Parent(y);
            int type = _nameOfType[_index.TypeOf[y]];
            int shape;
            if (p < 0)
            {
                shape = Intern((-1 - RootKey(y), type, NoField));
            }
            else
            {
                int parentShape = _shapeOf[p] - 1;
                if (IsStructArray(p) && _structArraysRead.Add(p))
                {
                    ShapeChildrenOfStructArray(p, parentShape);
                    if (_shapeOf[y] != 0) continue;
                }
                string name = _fieldNames.GroupField(_index.TypeOf[p], _index.Addresses[p], _index.SizeOf(p), _index.Addresses[y]);
                shape = Extend(parentShape, type, FieldId(name));
            }
            _shapeOf[y] = shape + 1;
        }
        return _shapeOf[v] - 1;
    }

    /// <summary>The shape one link below a parent's shape: the same shape when the link repeats the parent's last one.</summary>
    private int Extend(int parentShape, int type, int field)
    {
        (int _, int lastType, int lastField) = _shapes[parentShape];
        return lastType == type && lastField == field ? parentShape : Intern((parentShape, type, field));
    }

    private int FieldId(string name)
    {
        if (!_fields.TryGetValue(name, out int field))
        {
            _fields[name] = field = _fieldList.Count;
            _fieldList.Add(name);
        }
        return field;
    }

    /// <summary>True when object p is an array of structs holding references (known per heap type: 1 yes, -1 no).</summary>
    private bool IsStructArray(int p)
    {
        int t = _index.TypeOf[p];
        if (_structArrayType[t] == 0) _structArrayType[t] = _fieldNames.IsStructArray(t, _index.Addresses[p]) ? (sbyte)1 : (sbyte)-1;
        return _structArrayType[t] > 0;
    }

    /// <summary>Shapes every child whose shortest path goes through this array of structs, in one read of the array.</summary>
    private void ShapeChildrenOfStructArray(int array, int arrayShape)
    {
        foreach ((ulong address, string name) in _fieldNames.StructElementReferences(_index.Addresses[array]))
        {
            int child = _index.IndexOf(address);
            // The first slot that holds a child names its link, as for a single path.
            if (child < 0 || _shapeOf[child] != 0 || _paths.Parent(child) != array) continue;
            _shapeOf[child] = Extend(arrayShape, _nameOfType[_index.TypeOf[child]], FieldId(name)) + 1;
        }
    }

    private int Intern((int Parent, int Type, int Field) key)
    {
        if (_shapeIds.TryGetValue(key, out int id)) return id;
        id = _shapes.Count;
        _shapes.Add(key);
        _shapeIds[key] = id;
        return id;
    }

    /// <summary>Roots group by kind and name: the method of a stack root (not the thread), the field of a static.</summary>
    private int RootKey(int rootObject)
    {
        RootDescription d = _retention.RootAt(rootObject);
        string key = $"{d.Kind}|{d.HandleKind}|{d.Method}|{d.Field}";
        if (!_rootKeys.TryGetValue(key, out int id)) _rootKeys[key] = id = _rootKeys.Count;
        return id;
    }

    private RetentionGroup Describe(int shape, GroupTotals group, CancellationToken cancellation)
    {
        // The example's path, root first, to tell how long each folded run is on it.
        var runs = new Dictionary<int, int>();
        int x = group.Example;
        int rootObject = x;
        for (int steps = 0; x >= 0; steps++)
        {
            if ((steps & 0xffff) == 0) cancellation.ThrowIfCancellationRequested();
            int s = _shapeOf[x] - 1;
            runs[s] = runs.GetValueOrDefault(s) + 1;
            rootObject = x;
            x = _paths.Parent(x);
        }
        var links = new List<GroupLink>();
        NameTotals names = _index.Types.Totals;
        for (int s = shape; s >= 0; s = _shapes[s].Parent)
        {
            (int _, int type, int field) = _shapes[s];
            int repeat = runs.GetValueOrDefault(s);
            links.Add(new GroupLink(names.Names[type], field == NoField ? null : _fieldList[field], repeat > 1 ? repeat : null));
        }
        links.Reverse();
        return PathBound.Bound(new RetentionGroup(group.Count, group.Bytes, group.Retained, _retention.RootAt(rootObject), links, Json.Hex(_index.Addresses[group.Example])));
    }

    private sealed class GroupTotals
    {
        public long Count;
        public long Bytes;
        public long Retained;
        public int Example;
    }
}
