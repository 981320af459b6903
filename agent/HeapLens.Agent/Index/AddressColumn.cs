// Per object, its address: read from the AddressMap, so it costs no memory per object. Reading one address counts
// bits from the nearest of every 64th object (tens of nanoseconds); to read them all in order, use Enumerate.
namespace HeapLens.Agent.Index;

public readonly struct AddressColumn
{
    private readonly AddressMap _map;

    public AddressColumn(AddressMap map) => _map = map;

    public int Length => _map.Count;

    public ulong this[int i] => _map.AddressOf(i);

    /// <summary>Every object's number and address from object <paramref name="from"/> on, in address order.</summary>
    public IEnumerable<(int Index, ulong Address)> Enumerate(int from = 0) => _map.Enumerate(from);
}
