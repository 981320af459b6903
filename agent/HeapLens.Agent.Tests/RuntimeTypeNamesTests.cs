// The runtime's allocation events and the heap name types differently (Tracing/RuntimeTypeNames.cs). The event names
// here were seen in `heaplens allocations` on .NET 10 (an ASP.NET Core service and the Allocations fixture); the heap
// names are what `heaplens stats` printed for the same types.
using HeapLens.Agent.Tracing;
using Xunit;

namespace HeapLens.Agent.Tests;

public sealed class RuntimeTypeNamesTests
{
    [Theory]
    [InlineData("System.Collections.Generic.KeyValuePair`2[System.Type,System.Object][]", "System.Collections.Generic.KeyValuePair<System.Type, System.Object>[]")]
    [InlineData(
        "System.Threading.QueueUserWorkItemCallbackDefaultContext`1[Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.Internal.SocketConnection]",
        "System.Threading.QueueUserWorkItemCallbackDefaultContext<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.Internal.SocketConnection>")]
    [InlineData("System.Collections.Generic.Dictionary`2[System.String,System.Collections.Generic.List`1[System.Int32]]", "System.Collections.Generic.Dictionary<System.String, System.Collections.Generic.List<System.Int32>>")]
    [InlineData("System.Collections.Generic.List`1[[System.String, System.Private.CoreLib, Version=10.0.0.0, Culture=neutral, PublicKeyToken=7cec85d7bea7798e]]", "System.Collections.Generic.List<System.String>")]
    [InlineData("Outer`1+Inner`1[System.String,System.Int32]", "Outer<System.String>+Inner<System.Int32>")]
    [InlineData(
        "System.Collections.Generic.List`1[[Allocations.Pool`1+Slot[[Allocations.OrderLine, Allocations, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null]], Allocations, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null]]",
        "System.Collections.Generic.List<Allocations.Pool<Allocations.OrderLine>+Slot>")]
    [InlineData("Slot[Allocations.OrderLine]", "Slot<Allocations.OrderLine>")]
    [InlineData("System.Byte[]", "System.Byte[]")]
    [InlineData("System.Int32[,]", "System.Int32[,]")]
    [InlineData("Allocations.OrderLine", "Allocations.OrderLine")]
    [InlineData("Broken`x[", "Broken`x[")]
    public void Event_names_are_written_as_the_heap_writes_them(string runtime, string heap)
    {
        Assert.Equal(heap, RuntimeTypeNames.ToHeapName(runtime));
        Assert.Equal(heap, RuntimeTypeNames.ToHeapName(heap)); // a heap name stays as it is
    }

    [Theory]
    [InlineData("Slot[Allocations.OrderLine]", "Allocations.Pool<Allocations.OrderLine>+Slot")]
    [InlineData("Node[System.String,UserSession]", "System.Collections.Concurrent.ConcurrentDictionary<System.String, UserSession>+Node")]
    [InlineData("Entry[System.String,System.Object][]", "System.Collections.Generic.Dictionary<System.String, System.Object>+Entry[]")]
    [InlineData("System.Collections.Generic.List`1[System.String]", "System.Collections.Generic.List<System.String>")]
    [InlineData("Inner`1[System.String,System.Int32]", "Outer<System.String>+Inner<System.Int32>")]
    public void A_nested_type_named_alone_has_the_key_of_its_full_name(string runtime, string heap)
    {
        Assert.Equal(RuntimeTypeNames.Key(heap), RuntimeTypeNames.Key(runtime));
    }

    [Theory]
    [InlineData("Slot[Allocations.OrderLine]", "Allocations.Pool<Allocations.AuditRecord>+Slot")]
    [InlineData("Entry[System.String,System.Object]", "System.Collections.Generic.Dictionary<System.String, System.Object>+Entry[]")]
    [InlineData("App.Order", "Other.Order")]
    public void Different_types_have_different_keys(string one, string other)
    {
        Assert.NotEqual(RuntimeTypeNames.Key(one), RuntimeTypeNames.Key(other));
    }
}
