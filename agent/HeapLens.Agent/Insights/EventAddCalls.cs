// Every call to an event's add_ accessor in the program's own modules (not the shared framework, not dynamic
// modules): which method makes it, at which IL offset, on which type (as the call's token names it: the declaring
// type, a base type or an interface), and the handler method the delegate is made from when the IL shows it (the
// ldftn/ldvirtftn just before, as `x.E += Handler;` and lambdas compile). This is where `+=` lines come from: the
// heap holds the delegates, not the code that added them. The module's metadata and IL are read from the dump's
// image of the module when the dump holds all of it, else from the module file when it is the same build (createdump
// often keeps only the first page of a flat-mapped IL image: seen 4,096 of 6,656 bytes). One scan per snapshot.
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

/// <param name="Module">The module that makes the call.</param>
/// <param name="MethodToken">The calling method's MethodDef token.</param>
/// <param name="Method">"Namespace.Type.Method", for people.</param>
/// <param name="Offset">IL offset of the call instruction.</param>
/// <param name="TypeName">The type the called add_ belongs to, without generic arguments ("Ns.Outer+Inner").</param>
/// <param name="Event">The event's name (add_ stripped).</param>
/// <param name="HandlerToken">The MethodDef token of the handler in the same module, or 0 when the IL does not show it.</param>
public sealed record EventAddCall(ClrModule Module, int MethodToken, string Method, int Offset, string TypeName, string Event, int HandlerToken);

public static class EventAddCalls
{
    private const int Call = 0x28;
    private const int CallVirt = 0x6F;
    private const int LdFtn = 0xFE06;
    private const int LdVirtFtn = 0xFE07;
    private const long MaxImageBytes = 256L << 20;

    public static List<EventAddCall> FindAll(ClrRuntime runtime, CancellationToken cancellation)
    {
        var calls = new List<EventAddCall>();
        foreach (ClrModule module in runtime.EnumerateModules())
        {
            cancellation.ThrowIfCancellationRequested();
            if (module.IsDynamic || FinalizerBodies.IsFrameworkModule(module.Name)) continue;
            var (opened, from) = Open(module, runtime.DataTarget.DataReader);
            using PEReader? pe = opened;
            if (pe is null) continue;
            try
            {
                int before = calls.Count;
                Scan(module, pe, calls, cancellation);
                Log.Info($"Event subscriptions in {Path.GetFileName(module.Name)} (read from {from}): {calls.Count - before} calls to add_ accessors.");
            }
            catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException)
            {
                Log.Warn($"Could not read the IL of {module.Name}: {ex.Message}");
            }
        }
        return calls;
    }

    /// <summary>The module's image as the dump holds it (what ran), else its file when that is still on disk.</summary>
    private static (PEReader? Reader, string From) Open(ClrModule module, IDataReader memory)
    {
        if (module.ImageBase != 0 && module.Size > 0 && module.Size <= MaxImageBytes)
        {
            var bytes = new byte[module.Size];
            if (memory.Read(module.ImageBase, bytes) == bytes.Length)
            {
                // A mapped image has its sections at their RVAs; a flat one is the file as is.
                bool loaded = module.Layout is ModuleLayout.Loaded or ModuleLayout.Mapped;
                foreach (PEStreamOptions options in loaded ? new[] { PEStreamOptions.IsLoadedImage, PEStreamOptions.Default } : new[] { PEStreamOptions.Default, PEStreamOptions.IsLoadedImage })
                {
                    var pe = new PEReader(new MemoryStream(bytes, writable: false), options);
                    if (Readable(pe)) return (pe, "the dump");
                    pe.Dispose();
                }
            }
        }
        string? path = module.Name;
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path) || !File.Exists(path)) return (null, "");
        try
        {
            var pe = new PEReader(File.OpenRead(path));
            if (Readable(pe) && SameBuild(pe, module)) return (pe, "its file");
            Log.Warn($"Not reading {path}: it is not the build the dump ran (rebuilt since?).");
            pe.Dispose();
        }
        catch (IOException ex)
        {
            Log.Warn($"Could not open {path}: {ex.Message}");
        }
        return (null, "");
    }

    /// <summary>The file's CodeView id is the one the dump records for the module (when both are known).</summary>
    private static bool SameBuild(PEReader pe, ClrModule module)
    {
        Guid expected = module.Pdb?.Guid ?? Guid.Empty;
        if (expected == Guid.Empty) return true;
        try
        {
            foreach (DebugDirectoryEntry entry in pe.ReadDebugDirectory())
            {
                if (entry.Type == DebugDirectoryEntryType.CodeView) return pe.ReadCodeViewDebugDirectoryData(entry).Guid == expected;
            }
        }
        catch (BadImageFormatException)
        {
        }
        return true;
    }

    private static bool Readable(PEReader pe)
    {
        try
        {
            if (!pe.HasMetadata) return false;
            MetadataReader metadata = pe.GetMetadataReader();
            // Reading one method body proves the sections are where this layout says they are.
            foreach (MethodDefinitionHandle handle in metadata.MethodDefinitions)
            {
                int rva = metadata.GetMethodDefinition(handle).RelativeVirtualAddress;
                if (rva != 0) pe.GetMethodBody(rva);
                break;
            }
            return true;
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static void Scan(ClrModule module, PEReader pe, List<EventAddCall> calls, CancellationToken cancellation)
    {
        MetadataReader metadata = pe.GetMetadataReader();
        foreach (MethodDefinitionHandle handle in metadata.MethodDefinitions)
        {
            cancellation.ThrowIfCancellationRequested();
            MethodDefinition method = metadata.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0) continue;
            byte[]? il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes();
            if (il is null) continue;
            int handler = 0;
            foreach (ILInstruction instruction in MethodBodies.Decode(il))
            {
                if (instruction.OpCode is LdFtn or LdVirtFtn)
                {
                    handler = instruction.Token >> 24 == 0x06 ? instruction.Token : 0;
                    continue;
                }
                if (instruction.OpCode is not (Call or CallVirt)) continue;
                if (Callee(metadata, instruction.Token) is not var (typeName, name) || !name.StartsWith("add_", StringComparison.Ordinal)) continue;
                int token = MetadataTokens.GetToken(handle);
                calls.Add(new EventAddCall(module, token, $"{TypeName(metadata, method.GetDeclaringType())}.{metadata.GetString(method.Name)}", instruction.Offset, typeName, name[4..], handler));
                handler = 0;
            }
        }
    }

    /// <summary>The called method's type (without generic arguments) and name, for a MethodDef or MemberRef token.</summary>
    private static (string Type, string Name)? Callee(MetadataReader metadata, int token)
    {
        try
        {
            EntityHandle handle = MetadataTokens.EntityHandle(token);
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    MethodDefinition definition = metadata.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return (TypeName(metadata, definition.GetDeclaringType()), metadata.GetString(definition.Name));
                case HandleKind.MemberReference:
                    MemberReference reference = metadata.GetMemberReference((MemberReferenceHandle)handle);
                    string name = metadata.GetString(reference.Name);
                    if (!name.StartsWith("add_", StringComparison.Ordinal)) return null;
                    return TypeName(metadata, reference.Parent) is string type ? (type, name) : null;
                default:
                    return null;
            }
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    private static string? TypeName(MetadataReader metadata, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                return TypeName(metadata, (TypeDefinitionHandle)handle);
            case HandleKind.TypeReference:
                TypeReference reference = metadata.GetTypeReference((TypeReferenceHandle)handle);
                string name = StripArity(metadata.GetString(reference.Name));
                if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
                    return $"{TypeName(metadata, (EntityHandle)reference.ResolutionScope)}+{name}";
                string ns = metadata.GetString(reference.Namespace);
                return ns.Length == 0 ? name : $"{ns}.{name}";
            case HandleKind.TypeSpecification:
                // A generic instantiation (GENERICINST CLASS|VALUETYPE type args…): the generic type itself.
                BlobReader blob = metadata.GetBlobReader(metadata.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
                if (blob.ReadByte() != 0x15) return null;
                byte kind = blob.ReadByte();
                if (kind is not (0x12 or 0x11)) return null;
                return TypeName(metadata, blob.ReadTypeHandle());
            default:
                return null;
        }
    }

    private static string TypeName(MetadataReader metadata, TypeDefinitionHandle handle)
    {
        TypeDefinition type = metadata.GetTypeDefinition(handle);
        string name = StripArity(metadata.GetString(type.Name));
        TypeDefinitionHandle outer = type.GetDeclaringType();
        if (!outer.IsNil) return $"{TypeName(metadata, outer)}+{name}";
        string ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }

    private static string StripArity(string name)
    {
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }

    /// <summary>A ClrMD type name without generic arguments or arity, as TypeName spells metadata names: "Ns.Foo&lt;X&gt;" → "Ns.Foo".</summary>
    public static string WithoutGenerics(string clrName)
    {
        int angle = clrName.IndexOf('<');
        return StripArity(angle < 0 ? clrName : clrName[..angle]);
    }
}
