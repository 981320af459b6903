// A heap of about a million live objects for measuring the agent (agent/bench/measure.js).
//
//   static Program.Customers ──► List<Customer> ──_items──► Customer[] ──[i]──► Customer ──name──► string
//                                                                                └─orders──► Order[] ──[j]──► Order ──lines──► int[]
//
// Customers × (Customer + string + Order[] + OrdersPerCustomer × (Order + int[])) objects; prints READY, waits for a line.
namespace BigHeap;

public sealed class Order
{
    public int Id;
    public int[] Lines;
}

public sealed class Customer
{
    public string Name;
    public Order[] Orders;
}

public static class Program
{
    public const int Customers = 150_000;
    public const int OrdersPerCustomer = 2;

    public static readonly List<Customer> All = new();

    public static void Main(string[] args)
    {
        int customers = args.Length > 0 ? int.Parse(args[0]) : Customers;
        for (int i = 0; i < customers; i++)
        {
            var orders = new Order[OrdersPerCustomer];
            for (int j = 0; j < orders.Length; j++) orders[j] = new Order { Id = i * OrdersPerCustomer + j, Lines = new int[4] };
            All.Add(new Customer { Name = "customer-" + i, Orders = orders });
        }
        Console.WriteLine("READY");
        Console.ReadLine();
        GC.KeepAlive(All);
    }
}
