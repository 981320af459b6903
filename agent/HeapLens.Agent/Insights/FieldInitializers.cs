// The source line that gives a field its value in a constructor: `static readonly List<T> Items = new();` is an
// stsfld in the type's static constructor, an instance field initializer an stfld in its constructors. Portable
// PDBs map methods to lines but not fields, so the line is found through the IL offset of that store.
using HeapLens.Agent.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class FieldInitializers
{
    public static InsightLocation? Find(ClrType declaringType, ClrField field, bool isStatic, SourceLocator sources, IDataReader memory)
    {
        int token = field.Token;
        if (token == 0) return null;
        string constructor = isStatic ? ".cctor" : ".ctor";
        int store = isStatic ? MethodBodies.Stsfld : MethodBodies.Stfld;
        foreach (ClrMethod method in declaringType.Methods)
        {
            if (method.Name != constructor) continue;
            byte[]? il = MethodBodies.ReadIL(method, memory);
            if (il is null) continue;
            foreach (ILInstruction instruction in MethodBodies.Decode(il))
            {
                if (instruction.OpCode != store || instruction.Token != token) continue;
                if (sources.AtILOffset(method, instruction.Offset) is SourceLine line) return new InsightLocation(line.File, line.Line);
            }
        }
        return null;
    }

    public static InsightLocation? FirstLine(ClrMethod? method, SourceLocator sources) =>
        method is not null && sources.FirstLineOf(method) is SourceLine line ? new InsightLocation(line.File, line.Line) : null;
}
