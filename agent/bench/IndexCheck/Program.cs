// Checks the agent's heap index against ClrMD's own walk of the same dump, object by object: the same objects in
// the same order, with the same address, type and size; each object's references (ClrMD's, plus dependent-handle
// edges, as object numbers) equal to the index's forward references; the reverse references their exact transpose;
// and address lookups (IndexOf, IndexContaining, Enumerate) consistent. The index reads the dump its own way
// (HeapWalker), so this is the check that it sees what ClrMD sees. Exit code 1 when anything differs.
// Usage: dotnet run -c Release --project agent/bench/IndexCheck -- <dump> [<dump>…]
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

if (args.Length == 0)
{
    Console.Error.WriteLine("IndexCheck: give one or more dump files.");
    return 2;
}

int failed = 0;
foreach (string path in args)
{
    var context = new RequestContext(default, CancellationToken.None, _ => { });
    var (target, runtime) = DumpOpener.Open(path, DacSearch.None, CancellationToken.None);
    try
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        HeapIndex index = HeapIndexBuilder.Build(runtime, context);
        long buildMs = clock.ElapsedMilliseconds;
        var differences = new List<string>();
        long references = Compare(runtime, index, differences);
        foreach (string d in differences.Take(20)) Console.WriteLine($"  {d}");
        Console.WriteLine($"{Path.GetFileName(path)}: {index.Count:N0} objects, {references:N0} references, index built in {buildMs} ms: " +
            (differences.Count == 0 ? "the same as ClrMD's walk" : $"{differences.Count:N0} differences"));
        if (differences.Count > 0) failed++;
    }
    finally
    {
        runtime.Dispose();
        target.Dispose();
    }
}
return failed == 0 ? 0 : 1;

static long Compare(ClrRuntime runtime, HeapIndex index, List<string> differences)
{
    ClrHeap heap = runtime.Heap;
    var dependents = new Dictionary<ulong, List<ulong>>();
    foreach (ClrHandle handle in runtime.EnumerateHandles())
    {
        if (handle.HandleKind != ClrHandleKind.Dependent || handle.Object.Address == 0 || handle.Dependent.Address == 0) continue;
        if (!dependents.TryGetValue(handle.Object.Address, out List<ulong>? list)) dependents[handle.Object.Address] = list = new List<ulong>();
        list.Add(handle.Dependent.Address);
    }

    int i = 0;
    long references = 0;
    foreach (ClrSegment segment in heap.Segments.OrderBy(s => s.ObjectRange.Start))
    {
        foreach (ClrObject obj in segment.EnumerateObjects(carefully: true))
        {
            if (i >= index.Count)
            {
                differences.Add($"ClrMD has more objects than the index, from 0x{obj.Address:x} on");
                return references;
            }
            string name = index.Types.NameOf(index.TypeOf[i]);
            if (index.Addresses[i] != obj.Address || index.SizeOf(i) != obj.Size || (obj.Type?.Name is string clrName && clrName != name))
                differences.Add($"object {i}: index 0x{index.Addresses[i]:x} {name} {index.SizeOf(i)} B, ClrMD 0x{obj.Address:x} {obj.Type?.Name} {obj.Size} B");
            if (index.IndexOf(obj.Address) != i) differences.Add($"IndexOf(0x{obj.Address:x}) is {index.IndexOf(obj.Address)}, not {i}");
            if (index.IndexContaining(obj.Address + 8) != i && obj.Size > 8) differences.Add($"IndexContaining(0x{obj.Address + 8:x}) is {index.IndexContaining(obj.Address + 8)}, not {i}");

            var expected = new List<int>();
            if (obj.Type is { IsFree: false, ContainsPointers: true })
            {
                foreach (ulong reference in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
                {
                    int k = reference == 0 ? -1 : index.IndexOf(reference);
                    if (k >= 0) expected.Add(k);
                }
            }
            if (dependents.TryGetValue(obj.Address, out List<ulong>? secondaries))
            {
                foreach (ulong secondary in secondaries)
                {
                    int k = index.IndexOf(secondary);
                    if (k >= 0) expected.Add(k);
                }
            }
            int[] actual = index.Refs[index.RefStart[i]..index.RefStart[i + 1]];
            references += actual.Length;
            if (!expected.SequenceEqual(actual))
                differences.Add($"references of object {i} (0x{obj.Address:x} {name}): index [{string.Join(", ", actual.Take(6))}…] ({actual.Length}), ClrMD [{string.Join(", ", expected.Take(6))}…] ({expected.Count})");
            i++;
        }
    }
    if (i != index.Count) differences.Add($"the index has {index.Count:N0} objects, ClrMD {i:N0}");

    // The reverse references are the forward ones transposed, each list in ascending order (an object that refers
    // to another twice, through two fields, is in its list twice).
    var degree = new int[index.Count];
    foreach (int t in index.Refs) degree[t]++;
    for (int t = 0; t < index.Count; t++)
    {
        int start = index.BackStart[t], end = index.BackStart[t + 1];
        if (end - start != degree[t])
        {
            differences.Add($"object {t} has {end - start} reverse references, {degree[t]} forward ones point at it");
            break;
        }
        for (int k = start + 1; k < end; k++)
        {
            if (index.Back[k] < index.Back[k - 1])
            {
                differences.Add($"the reverse references of object {t} are not in ascending order");
                break;
            }
        }
    }
    int n = 0;
    foreach ((int number, ulong address) in index.Addresses.Enumerate())
    {
        if (number != n || address != index.Addresses[n])
        {
            differences.Add($"Addresses.Enumerate gives ({number}, 0x{address:x}) at position {n}");
            break;
        }
        n++;
    }
    if (n != index.Count) differences.Add($"Addresses.Enumerate gives {n:N0} objects, not {index.Count:N0}");
    return references;
}
