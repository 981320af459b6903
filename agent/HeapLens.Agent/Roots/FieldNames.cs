// Names the link between two objects on a retention path: the field of the parent that refers to the child
// ("m_prevLeak", "inner.field" through structs), an array element ("[3]", "[3].value" in an array of structs),
// or "(dependent handle)". Computed only for the links of reported paths, by reading the parent's references;
// arrays are searched in their memory directly, because enumerating a million-element array's references through
// ClrMD costs a type lookup per element.
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Roots;

public static class FieldNames
{
    public const string DependentHandle = "(dependent handle)";

    private const int ScanChunkBytes = 64 * 1024;

    public static string Between(ClrObject parent, ulong child, IMemoryReader memory)
    {
        int pointerSize = memory.PointerSize;
        if (parent.Type is { IsArray: true } arrayType && ScanArray(parent, arrayType, child, memory) is string element) return element;
        foreach (ClrReference reference in parent.EnumerateReferencesWithFields(carefully: false, considerDependantHandles: true))
        {
            if (reference.Object.Address != child) continue;
            if (reference.IsDependentHandle) return DependentHandle;
            if (reference.IsField) return FieldPath(reference);
            if (reference.IsArrayElement) return ArrayElement(parent, reference, pointerSize);
        }
        return "(unknown field)";
    }

    private static string FieldPath(ClrReference reference)
    {
        string name = reference.Field?.Name ?? "(unknown field)";
        ClrReference? inner = reference.InnerField;
        for (int depth = 0; inner is ClrReference r && depth < 8; depth++)
        {
            name += "." + (r.Field?.Name ?? "?");
            inner = r.InnerField;
        }
        return name;
    }

    private static string ArrayElement(ClrObject array, ClrReference reference, int pointerSize)
    {
        ClrType? type = array.Type;
        int elementSize = type?.ComponentSize ?? 0;
        if (type is null || elementSize <= 0) return "[?]";
        // ClrReference.Offset counts from the end of the method table pointer.
        ulong first = type.GetArrayElementAddress(array.Address, 0);
        ulong at = array.Address + (ulong)pointerSize + (ulong)reference.Offset;
        if (first == 0 || at < first) return "[?]";
        ulong index = (at - first) / (ulong)elementSize;
        int within = (int)((at - first) % (ulong)elementSize);
        string name = $"[{index}]";
        if (type.ComponentType is { IsValueType: true } element && InnerField(element, within, 0) is (string inner, _)) name += "." + inner;
        return name;
    }

    /// <summary>Finds the element slot that holds child by reading the array's memory, a chunk at a time.</summary>
    private static string? ScanArray(ClrObject array, ClrType type, ulong child, IMemoryReader memory)
    {
        int elementSize = type.ComponentSize;
        int pointerSize = memory.PointerSize;
        if (elementSize <= 0 || pointerSize != 8) return null;
        ulong first = type.GetArrayElementAddress(array.Address, 0);
        ulong end = array.Address + array.Size;
        if (first == 0 || first >= end) return null;
        ClrType? element = type.ComponentType;
        bool structs = element is { IsValueType: true };
        var buffer = new byte[ScanChunkBytes];
        for (ulong at = first; at < end; at += ScanChunkBytes)
        {
            int want = (int)Math.Min(ScanChunkBytes, end - at);
            int read = memory.Read(at, buffer.AsSpan(0, want));
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
        if (depth < 8 && match.IsValueType && match.Type is { IsPrimitive: false } nested && nested.Fields.Length > 0)
        {
            if (InnerField(nested, offset - match.Offset, depth + 1) is (string deeper, bool isReference)) return (match.Name + "." + deeper, isReference);
        }
        return (match.Name ?? "?", match.IsObjectReference);
    }
}
