// Names the link between two objects on a retention path: the field of the parent that refers to the child
// ("m_prevLeak", "inner.field" through structs), an array element ("[3]", "[3].value" in an array of structs),
// or "(dependent handle)". Computed only for the links of reported paths, by reading the parent's memory: for each
// type, once, the offsets of its reference fields (through nested structs) and their names; arrays are searched
// in their memory directly, because enumerating a million-element array's references through ClrMD costs a type
// lookup per element. A path can be 100,000 links long, so each link must cost a microsecond or so.
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Roots;

public sealed class FieldNames
{
    public const string DependentHandle = "(dependent handle)";

    private const int ScanChunkBytes = 64 * 1024;
    private const int MaxFieldDepth = 8;
    private readonly ClrHeap _heap;
    private readonly IMemoryReader _memory;
    private readonly Dictionary<int, (int Offset, string Path)[]?> _referenceFields = new();
    private readonly byte[] _buffer = new byte[ScanChunkBytes];
    private readonly Dictionary<int, ArrayKind> _arrayKinds = new();

    private enum ArrayKind
    {
        NotArray,
        References,
        Structs,
    }

    public FieldNames(ClrHeap heap, IMemoryReader memory)
    {
        _heap = heap;
        _memory = memory;
    }

    /// <summary>The name of the link from the parent (heap type number, address, size from the index) to child.</summary>
    public string Between(int parentType, ulong parentAddress, ulong parentSize, ulong child)
    {
        // Objects that are not arrays: their reference fields, known per heap type, read straight from memory.
        if (!_referenceFields.TryGetValue(parentType, out (int Offset, string Path)[]? fields))
        {
            ClrType? type = _heap.GetObjectType(parentAddress);
            fields = type is { IsArray: false } && _memory.PointerSize == 8 ? ReferenceFields(type) : null;
            _referenceFields[parentType] = fields;
        }
        if (fields is not null && FieldHolding(fields, parentAddress, parentSize, child) is string field) return field;

        ClrObject parent = _heap.GetObject(parentAddress);
        if (parent.Type is { IsArray: true } arrayType && ScanArray(parent, arrayType, child) is string element) return element;
        // Dependent handles, and whatever the quick ways missed: ClrMD's own enumeration.
        foreach (ClrReference reference in parent.EnumerateReferencesWithFields(carefully: false, considerDependantHandles: true))
        {
            if (reference.Object.Address != child) continue;
            if (reference.IsDependentHandle) return DependentHandle;
            if (reference.IsField) return FieldPath(reference);
            if (reference.IsArrayElement) return ArrayElement(parent, reference);
        }
        return "(unknown field)";
    }

    /// <summary>
    /// The link's name as grouped retention paths compare it: array indices dropped ("[]", "[].value"). An array of
    /// references needs no memory read. The grouper names the children of an array of structs all at once
    /// (<see cref="StructElementReferences"/>); this is the way for one child.
    /// </summary>
    public string GroupField(int parentType, ulong parentAddress, ulong parentSize, ulong child)
    {
        if (KindOf(parentType, parentAddress) == ArrayKind.References) return "[]";
        string field = Between(parentType, parentAddress, parentSize, child);
        return field.StartsWith('[') ? "[]" + field[(field.IndexOf(']') + 1)..] : field;
    }

    /// <summary>True when the object (heap type number, address) is an array of structs that hold references.</summary>
    public bool IsStructArray(int type, ulong address) => _memory.PointerSize == 8 && KindOf(type, address) == ArrayKind.Structs;

    private ArrayKind KindOf(int type, ulong address)
    {
        if (!_arrayKinds.TryGetValue(type, out ArrayKind kind))
        {
            ClrType? clrType = _heap.GetObjectType(address);
            kind = clrType is not { IsArray: true } ? ArrayKind.NotArray : clrType.ComponentType is { IsValueType: true } ? ArrayKind.Structs : ArrayKind.References;
            _arrayKinds[type] = kind;
        }
        return kind;
    }

    /// <summary>
    /// Every reference an array of structs holds, in slot order, named as groups compare them ("[].key"), read from
    /// its memory a chunk at a time: one pass names the links to all its children (a dictionary of 2,000,000 entries
    /// holds 4,000,000 of them). Integers that happen to equal an address are not references and are skipped.
    /// </summary>
    public IEnumerable<(ulong Child, string Name)> StructElementReferences(ulong arrayAddress)
    {
        ClrObject array = _heap.GetObject(arrayAddress);
        ClrType? type = array.Type;
        ClrType? element = type?.ComponentType;
        int elementSize = type?.ComponentSize ?? 0;
        if (type is null || element is null || elementSize <= 0 || _memory.PointerSize != 8) yield break;
        ulong first = type.GetArrayElementAddress(array.Address, 0);
        ulong end = array.Address + array.Size;
        if (first == 0 || first >= end) yield break;
        var names = new Dictionary<int, string?>();
        byte[] buffer = new byte[ScanChunkBytes];
        for (ulong at = first; at < end; at += ScanChunkBytes)
        {
            int want = (int)Math.Min(ScanChunkBytes, end - at);
            int read = _memory.Read(at, buffer.AsSpan(0, want));
            if (read <= 0) yield break;
            int slots = read / 8;
            for (int i = 0; i < slots; i++)
            {
                ulong value = BitConverter.ToUInt64(buffer, i * 8);
                if (value == 0) continue;
                int within = (int)((at - first + (ulong)(i * 8)) % (ulong)elementSize);
                if (!names.TryGetValue(within, out string? name))
                    names[within] = name = InnerField(element, within, 0) is (string path, true) ? "[]." + path : null;
                if (name is not null) yield return (value, name);
            }
        }
    }

    /// <summary>The first reference field (in field order) of an object that holds child.</summary>
    private string? FieldHolding((int Offset, string Path)[] fields, ulong address, ulong size, ulong child)
    {
        if (fields.Length == 0) return null;
        int read = _memory.Read(address, _buffer.AsSpan(0, (int)Math.Min((ulong)_buffer.Length, size)));
        foreach ((int offset, string path) in fields)
        {
            if (offset + 8 <= read && MemoryMarshal.Read<ulong>(_buffer.AsSpan(offset)) == child) return path;
        }
        return null;
    }

    private static (int Offset, string Path)[] ReferenceFields(ClrType type)
    {
        var found = new List<(int, string)>();
        // Instance field offsets count from the end of the method table pointer.
        CollectReferenceFields(type, 8, "", found, 0);
        return found.ToArray();
    }

    private static void CollectReferenceFields(ClrType type, int baseOffset, string prefix, List<(int, string)> found, int depth)
    {
        foreach (ClrInstanceField field in type.Fields)
        {
            string name = prefix + (field.Name ?? "?");
            if (field.IsObjectReference)
            {
                found.Add((baseOffset + field.Offset, name));
            }
            else if (depth < MaxFieldDepth && field.IsValueType && field.Type is { IsPrimitive: false, ContainsPointers: true } nested)
            {
                // A struct stored inline: its own fields' offsets count from where it starts in the object.
                CollectReferenceFields(nested, baseOffset + field.Offset, name + ".", found, depth + 1);
            }
        }
    }

    private static string FieldPath(ClrReference reference)
    {
        string name = reference.Field?.Name ?? "(unknown field)";
        ClrReference? inner = reference.InnerField;
        for (int depth = 0; inner is ClrReference r && depth < MaxFieldDepth; depth++)
        {
            name += "." + (r.Field?.Name ?? "?");
            inner = r.InnerField;
        }
        return name;
    }

    private string ArrayElement(ClrObject array, ClrReference reference)
    {
        ClrType? type = array.Type;
        int elementSize = type?.ComponentSize ?? 0;
        if (type is null || elementSize <= 0) return "[?]";
        // ClrReference.Offset counts from the end of the method table pointer.
        ulong first = type.GetArrayElementAddress(array.Address, 0);
        ulong at = array.Address + (ulong)_memory.PointerSize + (ulong)reference.Offset;
        if (first == 0 || at < first) return "[?]";
        ulong index = (at - first) / (ulong)elementSize;
        int within = (int)((at - first) % (ulong)elementSize);
        string name = $"[{index}]";
        if (type.ComponentType is { IsValueType: true } element && InnerField(element, within, 0) is (string inner, _)) name += "." + inner;
        return name;
    }

    /// <summary>Finds the element slot that holds child by reading the array's memory, a chunk at a time.</summary>
    private string? ScanArray(ClrObject array, ClrType type, ulong child)
    {
        int elementSize = type.ComponentSize;
        int pointerSize = _memory.PointerSize;
        if (elementSize <= 0 || pointerSize != 8) return null;
        ulong first = type.GetArrayElementAddress(array.Address, 0);
        ulong end = array.Address + array.Size;
        if (first == 0 || first >= end) return null;
        ClrType? element = type.ComponentType;
        bool structs = element is { IsValueType: true };
        byte[] buffer = _buffer;
        for (ulong at = first; at < end; at += ScanChunkBytes)
        {
            int want = (int)Math.Min(ScanChunkBytes, end - at);
            int read = _memory.Read(at, buffer.AsSpan(0, want));
            if (read <= 0) return null;
            ReadOnlySpan<ulong> slots = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, read - read % 8));
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i] != child) continue;
                ulong offset = at - first + (ulong)(i * 8);
                ulong index = offset / (ulong)elementSize;
                int within = (int)(offset % (ulong)elementSize);
                if (!structs)
                {
                    if (within == 0) return $"[{index}]";
                    continue;
                }
                // In an array of structs, only a reference field counts (not an integer that happens to match).
                if (InnerField(element!, within, 0) is (string path, true)) return $"[{index}].{path}";
            }
        }
        return null;
    }

    /// <summary>The field (through nested structs) at an offset inside an unboxed value type.</summary>
    private static (string Path, bool IsReference)? InnerField(ClrType valueType, int offset, int depth)
    {
        ClrInstanceField? match = null;
        foreach (ClrInstanceField field in valueType.Fields)
        {
            if (field.Offset <= offset && offset < field.Offset + Math.Max(1, field.Size))
            {
                match = field;
                break;
            }
        }
        if (match is null) return null;
        if (depth < MaxFieldDepth && match.IsValueType && match.Type is { IsPrimitive: false } nested && nested.Fields.Length > 0)
        {
            if (InnerField(nested, offset - match.Offset, depth + 1) is (string deeper, bool isReference)) return (match.Name + "." + deeper, isReference);
        }
        return (match.Name ?? "?", match.IsObjectReference);
    }
}
