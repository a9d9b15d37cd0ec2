using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace GitSync.Tests.Architecture;

/// <summary>One use of a type of the same assembly: <c>From</c> (a top-level type) uses <c>To</c>.</summary>
public sealed record TypeUse(string From, string To);

/// <summary>
/// Which of its own types each type of a compiled assembly uses, read from metadata: base types,
/// interfaces, field/method/property signatures, locals, custom attributes, generic constraints and
/// every token in every method body (so <c>typeof</c>, calls, field loads and casts all count).
/// Nested and compiler-generated types (lambdas, iterators, async state machines) count as the
/// top-level type that declares them.
/// </summary>
public static class AssemblyReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static IReadOnlyList<TypeUse> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var scan = new Scan(md, pe);
        var uses = new HashSet<TypeUse>();
        foreach (var handle in md.TypeDefinitions)
        {
            var from = scan.TopLevelName(handle);
            foreach (var target in scan.TypesUsedBy(handle))
            {
                var to = scan.TopLevelName(target);
                if (to != from)
                {
                    uses.Add(new TypeUse(from, to));
                }
            }
        }
        return [.. uses];
    }

    private sealed class Scan(MetadataReader md, PEReader pe)
    {
        private readonly Collector _provider = new(md);

        /// <summary>Full name of the outermost declaring type (<c>GitSync.Sync.SyncLoop</c>).</summary>
        public string TopLevelName(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            while (type.GetDeclaringType() is { IsNil: false } outer)
            {
                type = md.GetTypeDefinition(outer);
            }
            var ns = md.GetString(type.Namespace);
            var name = md.GetString(type.Name);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public HashSet<TypeDefinitionHandle> TypesUsedBy(TypeDefinitionHandle handle)
        {
            var found = new HashSet<TypeDefinitionHandle>();
            var type = md.GetTypeDefinition(handle);
            AddEntity(type.BaseType, found);
            foreach (var i in type.GetInterfaceImplementations())
            {
                AddEntity(md.GetInterfaceImplementation(i).Interface, found);
            }
            AddAttributes(type.GetCustomAttributes(), found);
            AddGenericParameters(type.GetGenericParameters(), found);
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                found.UnionWith(field.DecodeSignature(_provider, null));
                AddAttributes(field.GetCustomAttributes(), found);
            }
            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                AddMethodSignature(property.DecodeSignature(_provider, null), found);
                AddAttributes(property.GetCustomAttributes(), found);
            }
            foreach (var m in type.GetMethods())
            {
                AddMethod(md.GetMethodDefinition(m), found);
            }
            return found;
        }

        private void AddMethod(MethodDefinition method, HashSet<TypeDefinitionHandle> found)
        {
            AddMethodSignature(method.DecodeSignature(_provider, null), found);
            AddAttributes(method.GetCustomAttributes(), found);
            AddGenericParameters(method.GetGenericParameters(), found);
            if (method.RelativeVirtualAddress == 0)
            {
                return;
            }
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                var locals = md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_provider, null);
                foreach (var local in locals)
                {
                    found.UnionWith(local);
                }
            }
            foreach (var region in body.ExceptionRegions)
            {
                AddEntity(region.CatchType, found);
            }
            AddInstructions(body.GetILReader(), found);
        }

        private void AddInstructions(BlobReader il, HashSet<TypeDefinitionHandle> found)
        {
            while (il.RemainingBytes > 0)
            {
                short value = il.ReadByte();
                if (value == 0xFE)
                {
                    value = (short)(0xFE00 | il.ReadByte());
                }
                var op = OpCodesByValue[value];
                switch (op.OperandType)
                {
                    case OperandType.InlineField:
                    case OperandType.InlineMethod:
                    case OperandType.InlineTok:
                    case OperandType.InlineType:
                        AddEntity(MetadataTokens.EntityHandle(il.ReadInt32()), found);
                        break;
                    case OperandType.InlineSig:
                        var sig = md.GetStandaloneSignature((StandaloneSignatureHandle)MetadataTokens.EntityHandle(il.ReadInt32()));
                        AddMethodSignature(sig.DecodeMethodSignature(_provider, null), found);
                        break;
                    case OperandType.InlineSwitch:
                        var targets = il.ReadInt32();
                        il.Offset += 4 * targets;
                        break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineBrTarget:
                    case OperandType.InlineI:
                    case OperandType.InlineString:
                    case OperandType.ShortInlineR:
                        il.Offset += 4;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.ShortInlineBrTarget:
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                }
            }
        }

        private void AddEntity(EntityHandle handle, HashSet<TypeDefinitionHandle> found)
        {
            if (handle.IsNil)
            {
                return;
            }
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    found.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    found.UnionWith(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_provider, null));
                    break;
                case HandleKind.MethodDefinition:
                    found.Add(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    found.Add(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    AddEntity(member.Parent, found);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        AddMethodSignature(member.DecodeMethodSignature(_provider, null), found);
                    }
                    else
                    {
                        found.UnionWith(member.DecodeFieldSignature(_provider, null));
                    }
                    break;
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    AddEntity(spec.Method, found);
                    foreach (var argument in spec.DecodeSignature(_provider, null))
                    {
                        found.UnionWith(argument);
                    }
                    break;
            }
        }

        private static void AddMethodSignature(MethodSignature<ImmutableHashSet<TypeDefinitionHandle>> signature, HashSet<TypeDefinitionHandle> found)
        {
            found.UnionWith(signature.ReturnType);
            foreach (var parameter in signature.ParameterTypes)
            {
                found.UnionWith(parameter);
            }
        }

        private void AddAttributes(CustomAttributeHandleCollection attributes, HashSet<TypeDefinitionHandle> found)
        {
            foreach (var a in attributes)
            {
                AddEntity(md.GetCustomAttribute(a).Constructor, found);
            }
        }

        private void AddGenericParameters(GenericParameterHandleCollection parameters, HashSet<TypeDefinitionHandle> found)
        {
            foreach (var p in parameters)
            {
                foreach (var c in md.GetGenericParameter(p).GetConstraints())
                {
                    AddEntity(md.GetGenericParameterConstraint(c).Type, found);
                }
            }
        }
    }

    /// <summary>Decodes a signature into the set of this assembly's types it mentions.</summary>
    private sealed class Collector(MetadataReader md) : ISignatureTypeProvider<ImmutableHashSet<TypeDefinitionHandle>, object?>
    {
        private static readonly ImmutableHashSet<TypeDefinitionHandle> None = [];

        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;

        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
            => md.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableHashSet<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;

        public ImmutableHashSet<TypeDefinitionHandle> GetSZArrayType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableHashSet<TypeDefinitionHandle> GetArrayType(ImmutableHashSet<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableHashSet<TypeDefinitionHandle> GetByReferenceType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableHashSet<TypeDefinitionHandle> GetPointerType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableHashSet<TypeDefinitionHandle> GetPinnedType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableHashSet<TypeDefinitionHandle> GetModifiedType(ImmutableHashSet<TypeDefinitionHandle> modifier, ImmutableHashSet<TypeDefinitionHandle> unmodifiedType, bool isRequired)
            => unmodifiedType.Union(modifier);

        public ImmutableHashSet<TypeDefinitionHandle> GetGenericInstantiation(ImmutableHashSet<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableHashSet<TypeDefinitionHandle>> typeArguments)
            => typeArguments.Aggregate(genericType, (all, argument) => all.Union(argument));

        public ImmutableHashSet<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;

        public ImmutableHashSet<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;

        public ImmutableHashSet<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableHashSet<TypeDefinitionHandle>> signature)
            => signature.ParameterTypes.Aggregate(signature.ReturnType, (all, p) => all.Union(p));
    }
}
