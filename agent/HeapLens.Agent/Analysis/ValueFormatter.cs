// Formats one field or array element for heap/object: primitives as text, strings as their text in quotes,
// references as "0x…" (or "null") with the address set, structs as a short "{ a = 1, b = 0x… }" summary.
using System.Globalization;
using System.Text;
using HeapLens.Agent.Rpc;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Analysis;

public sealed class ValueFormatter
{
    private const int MaxStringInField = 200;
    private const int MaxStructFields = 8;
    private const int MaxStructDepth = 2;
    private readonly ClrHeap _heap;
    private readonly IMemoryReader _memory;

    public ValueFormatter(ClrHeap heap, IMemoryReader memory)
    {
        _heap = heap;
        _memory = memory;
    }

    /// <summary>A field of an object (interior = false) or of an unboxed struct (interior = true).</summary>
    public ObjectField Field(ClrInstanceField field, ulong container, bool interior)
    {
        ulong at = field.GetAddress(container, interior);
        return Value(field.Name ?? "?", field.Type, field.ElementType, at);
    }

    /// <summary>The value stored at an address, given its declared type.</summary>
    public ObjectField Value(string name, ClrType? declared, ClrElementType elementType, ulong at)
    {
        string typeName = declared?.Name ?? elementType.ToString();
        if (IsReference(declared, elementType))
        {
            ulong target = _memory.ReadPointer(at);
            if (target == 0) return new ObjectField(name, typeName, "null");
            ClrObject obj = _heap.GetObject(target);
            // Generic fields are declared as System.__Canon: show what is really there.
            if (obj.Type is not null && (declared is null || typeName is "System.__Canon" or "System.Object")) typeName = obj.Type.Name ?? typeName;
            string value = obj.Type?.IsString == true ? Quote(obj.AsString(MaxStringInField + 1)) : Json.Hex(target);
            return new ObjectField(name, typeName, value, Json.Hex(target));
        }
        if (elementType == ClrElementType.Struct || (declared is { IsValueType: true, IsPrimitive: false } && !declared.IsEnum))
            return new ObjectField(name, typeName, Struct(declared, at, 0));
        return new ObjectField(name, typeName, Primitive(elementType, at));
    }

    private static bool IsReference(ClrType? declared, ClrElementType elementType) => elementType switch
    {
        ClrElementType.String or ClrElementType.Class or ClrElementType.Object or ClrElementType.Array or ClrElementType.SZArray => true,
        ClrElementType.GenericInstantiation or ClrElementType.Var or ClrElementType.MVar => declared is null || !declared.IsValueType,
        _ => false,
    };

    public string Primitive(ClrElementType elementType, ulong at)
    {
        var c = CultureInfo.InvariantCulture;
        return elementType switch
        {
            ClrElementType.Boolean => _memory.Read<byte>(at) != 0 ? "true" : "false",
            ClrElementType.Char => CharText(_memory.Read<char>(at)),
            ClrElementType.Int8 => _memory.Read<sbyte>(at).ToString(c),
            ClrElementType.UInt8 => _memory.Read<byte>(at).ToString(c),
            ClrElementType.Int16 => _memory.Read<short>(at).ToString(c),
            ClrElementType.UInt16 => _memory.Read<ushort>(at).ToString(c),
            ClrElementType.Int32 => _memory.Read<int>(at).ToString(c),
            ClrElementType.UInt32 => _memory.Read<uint>(at).ToString(c),
            ClrElementType.Int64 => _memory.Read<long>(at).ToString(c),
            ClrElementType.UInt64 => _memory.Read<ulong>(at).ToString(c),
            ClrElementType.Float => _memory.Read<float>(at).ToString("R", c),
            ClrElementType.Double => _memory.Read<double>(at).ToString("R", c),
            ClrElementType.NativeInt or ClrElementType.NativeUInt or ClrElementType.Pointer or ClrElementType.FunctionPointer => Json.Hex(_memory.ReadPointer(at)),
            _ => "?",
        };
    }

    private string Struct(ClrType? type, ulong at, int depth)
    {
        if (type is null || type.Fields.Length == 0) return "{ }";
        if (depth >= MaxStructDepth) return "{…}";
        var text = new StringBuilder("{ ");
        int shown = 0;
        foreach (ClrInstanceField field in type.Fields)
        {
            if (shown == MaxStructFields)
            {
                text.Append(", …");
                break;
            }
            if (shown > 0) text.Append(", ");
            ulong fieldAt = field.GetAddress(at, interior: true);
            string value = field.ElementType == ClrElementType.Struct || field.Type is { IsValueType: true, IsPrimitive: false, IsEnum: false }
                ? Struct(field.Type, fieldAt, depth + 1)
                : Value(field.Name ?? "?", field.Type, field.ElementType, fieldAt).Value;
            text.Append(field.Name).Append(" = ").Append(value);
            shown++;
        }
        return text.Append(" }").ToString();
    }

    private static string CharText(char ch) => char.IsControl(ch) || char.IsSurrogate(ch) ? $"'\\u{(int)ch:x4}'" : $"'{ch}'";

    public static string Quote(string? text)
    {
        if (text is null) return "null";
        string shown = text.Length > MaxStringInField ? text[..MaxStringInField] + "…" : text;
        return "\"" + shown.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r") + "\"";
    }
}
