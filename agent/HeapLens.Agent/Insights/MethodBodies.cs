// The IL of a method, and a walk over its instructions. The IL comes from the dump's memory (the runtime maps the
// module image) or, when the dump lacks those pages, from the module file on disk. Used to judge finalizers
// (empty or not) and to find the line that initializes a field (its stsfld/stfld in a constructor).
using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public readonly record struct ILInstruction(int Offset, int OpCode, int Token);

public static class MethodBodies
{
    private const int MaxILBytes = 1 << 20;

    public static byte[]? ReadIL(ClrMethod method, IDataReader memory)
    {
        try
        {
            ILInfo? info = method.GetILInfo();
            if (info is not null && info.Address != 0 && info.Length > 0 && info.Length <= MaxILBytes)
            {
                var bytes = new byte[info.Length];
                if (memory.Read(info.Address, bytes) == bytes.Length) return bytes;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
        }
        return FromFile(method);
    }

    /// <summary>The method body from the module file, when the file is still where the dump says it was loaded from.</summary>
    private static byte[]? FromFile(ClrMethod method)
    {
        string? path = method.Type?.Module?.Name;
        int token = method.MetadataToken;
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path) || !File.Exists(path) || token >> 24 != 0x06) return null;
        try
        {
            using var pe = new PEReader(File.OpenRead(path));
            MetadataReader metadata = pe.GetMetadataReader();
            MethodDefinition definition = metadata.GetMethodDefinition(MetadataTokens.MethodDefinitionHandle(token & 0xffffff));
            if (definition.RelativeVirtualAddress == 0) return null;
            return pe.GetMethodBody(definition.RelativeVirtualAddress).GetILBytes();
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The instructions of an IL body: offset, opcode (two-byte opcodes as 0xFExx) and the metadata token operand
    /// (0 for other operands). Stops at the first byte it cannot decode.
    /// </summary>
    public static IEnumerable<ILInstruction> Decode(byte[] il)
    {
        int at = 0;
        while (at < il.Length)
        {
            int offset = at;
            int op = il[at++];
            if (op == 0xFE)
            {
                if (at >= il.Length) yield break;
                op = 0xFE00 | il[at++];
            }
            int size = OperandSize(op, il, at);
            if (size < 0 || at + size > il.Length) yield break;
            int token = size == 4 && TakesToken(op) ? BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(at)) : 0;
            at += size;
            yield return new ILInstruction(offset, op, token);
        }
    }

    public const int Nop = 0x00;
    public const int LdArg0 = 0x02;
    public const int Call = 0x28;
    public const int Ret = 0x2A;
    public const int Stfld = 0x7D;
    public const int Stsfld = 0x80;
    public const int EndFinally = 0xDC;
    public const int Leave = 0xDD;
    public const int LeaveShort = 0xDE;

    private static bool TakesToken(int op) => op is 0x27 or 0x28 or 0x29 or 0x6F or 0x70 or 0x71 or 0x72 or 0x73 or 0x74 or 0x75 or 0x79
        or 0x7B or 0x7C or 0x7D or 0x7E or 0x7F or 0x80 or 0x81 or 0x8C or 0x8D or 0x8F or 0xA3 or 0xA4 or 0xA5 or 0xC2 or 0xC6 or 0xD0
        or 0xFE06 or 0xFE07 or 0xFE15 or 0xFE16 or 0xFE1C;

    /// <summary>Operand bytes after the opcode (ECMA-335 III); -1 for bytes that are not an opcode.</summary>
    private static int OperandSize(int op, byte[] il, int at)
    {
        switch (op)
        {
            case >= 0x0E and <= 0x13: // ldarg.s … stloc.s
            case 0x1F: // ldc.i4.s
            case >= 0x2B and <= 0x37: // short branches
            case 0xDE: // leave.s
            case 0xFE12: // unaligned.
            case 0xFE19: // no.
                return 1;
            case 0xFE09 or 0xFE0A or 0xFE0B or 0xFE0C or 0xFE0D or 0xFE0E: // ldarg … stloc (16-bit index)
                return 2;
            case 0x20 or 0x22: // ldc.i4, ldc.r4
            case >= 0x38 and <= 0x44: // branches
            case 0xDD: // leave
            case 0xFE06 or 0xFE07 or 0xFE15 or 0xFE16 or 0xFE1C:
                return 4;
            case 0x21 or 0x23: // ldc.i8, ldc.r8
                return 8;
            case 0x45: // switch: count, then that many 4-byte targets
                return at + 4 <= il.Length ? 4 + 4 * BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(at)) : -1;
            case 0x24 or 0x77 or 0x78 or 0xA6 or 0xA7 or 0xA8 or 0xA9 or 0xAA or 0xAB or 0xAC or 0xAD or 0xAE or 0xAF
                or 0xB0 or 0xB1 or 0xB2 or 0xBB or 0xBC or 0xBD or 0xBE or 0xBF or 0xC0 or 0xC1 or 0xC4 or 0xC5
                or 0xC7 or 0xC8 or 0xC9 or 0xCA or 0xCB or 0xCC or 0xCD or 0xCE or 0xCF:
                return -1; // unused opcodes
            case 0xFE08 or 0xFE10 or 0xFE1B or > 0xFE1E:
                return -1;
            case < 0x100:
                return TakesToken(op) ? 4 : 0;
            default:
                return 0;
        }
    }
}
