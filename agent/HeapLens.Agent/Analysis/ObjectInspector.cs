// heap/object (dumpobj): one object's type, size and fields; a string's text; an array's length and first elements.
using HeapLens.Agent.Retention;
using HeapLens.Agent.Index;
using HeapLens.Agent.Rpc;
using HeapLens.Agent.Snapshots;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Analysis;

public static class ObjectInspector
{
    public const int MaxText = 4096;
    public const int MaxElements = 100;

    public static HeapObject Inspect(Snapshot snapshot, SnapshotRetention retention, ulong address)
    {
        HeapIndex index = snapshot.Index;
        int i = index.IndexOf(address);
        if (i < 0)
        {
            int containing = index.IndexContaining(address);
            string hint = containing >= 0 ? $" (it is inside the {index.Types.NameOf(index.TypeOf[containing])} at {Json.Hex(index.Addresses[containing])})" : "";
            throw new AgentException(ErrorCodes.InvalidAddress, $"No object starts at {Json.Hex(address)} in this snapshot{hint}: use the address of an instance of a heap type or of a link in a retention path.");
        }

        ClrObject obj = snapshot.Heap.GetObject(address);
        ClrType? type = obj.Type;
        string typeName = index.Types.NameOf(index.TypeOf[i]);
        long size = (long)index.SizeOf(i);
        var formatter = new ValueFormatter(snapshot.Heap, snapshot.Runtime.DataTarget.DataReader);
        var fields = new List<ObjectField>();
        string? text = null;
        int? length = null;

        if (type is null || index.Types.IsFree(index.TypeOf[i]))
        {
            // Free space or an unreadable method table: nothing more to show.
        }
        else if (type.IsString)
        {
            text = obj.AsString(MaxText);
        }
        else if (type.IsArray)
        {
            ClrArray array = obj.AsArray();
            length = array.Length;
            ClrType? element = type.ComponentType;
            int shown = Math.Min(array.Length, MaxElements);
            for (int k = 0; k < shown && array.Rank == 1; k++)
            {
                ulong at = type.GetArrayElementAddress(address, k);
                ClrElementType elementKind = element?.ElementType ?? (type.ComponentSize == snapshot.PointerSize ? ClrElementType.Object : ClrElementType.Unknown);
                fields.Add(formatter.Value($"[{k}]", element, elementKind, at));
            }
        }
        else
        {
            foreach (ClrInstanceField field in type.Fields) fields.Add(formatter.Field(field, address, interior: false));
        }

        return new HeapObject(Json.Hex(address), typeName, size, text, length, retention.Tree.RetainedBytes(i), !snapshot.Live.IsLive(i), fields);
    }
}
