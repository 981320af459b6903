// How many elements a collection object holds, read from the fields the BCL keeps its count in (.NET 8-10).
// Only the collections whose count is one field (or a short chain of fields) away are known; concurrent queues
// and bags, whose count is spread over segments, are not measured.
using Microsoft.Diagnostics.Runtime;

namespace HeapLens.Agent.Insights;

public static class CollectionCounts
{
    /// <summary>The element count, or null when the object is not a collection this knows.</summary>
    public static long? Of(ClrObject obj, int depth = 0)
    {
        string? name = obj.Type?.Name;
        if (name is null || depth > 3) return null;
        int generic = name.IndexOf('<');
        string plain = generic < 0 ? name : name[..generic];
        switch (plain)
        {
            case "System.Collections.Generic.List":
            case "System.Collections.Generic.Queue":
            case "System.Collections.Generic.Stack":
            case "System.Collections.Generic.SortedList":
            case "System.Collections.ArrayList":
            case "System.Collections.Queue":
            case "System.Collections.Stack":
                return Int(obj, "_size");
            case "System.Collections.Generic.Dictionary":
            case "System.Collections.Generic.HashSet":
                return Int(obj, "_count") - (Int(obj, "_freeCount") ?? 0);
            case "System.Collections.Generic.LinkedList":
            case "System.Collections.Generic.SortedSet":
                return Int(obj, "count");
            case "System.Collections.Generic.SortedDictionary":
                return obj.TryReadObjectField("_set", out ClrObject set) && !set.IsNull ? Of(set, depth + 1) : null;
            case "System.Collections.Hashtable":
                return Int(obj, "_count");
            case "System.Collections.ObjectModel.Collection":
            case "System.Collections.ObjectModel.ObservableCollection":
            case "System.Collections.ObjectModel.ReadOnlyCollection":
                return obj.TryReadObjectField("items", out ClrObject items) && !items.IsNull ? Of(items, depth + 1) : null;
            case "System.Collections.Concurrent.ConcurrentDictionary":
                return ConcurrentDictionaryCount(obj);
            default:
                return null;
        }
    }

    private static long? Int(ClrObject obj, string field) => obj.TryReadField(field, out int value) ? value : null;

    /// <summary>ConcurrentDictionary keeps one count per lock: _tables._countPerLock is an int[].</summary>
    private static long? ConcurrentDictionaryCount(ClrObject obj)
    {
        if (!obj.TryReadObjectField("_tables", out ClrObject tables) || tables.IsNull) return null;
        if (!tables.TryReadObjectField("_countPerLock", out ClrObject counts) || counts.IsNull || !counts.IsArray) return null;
        ClrArray array = counts.AsArray();
        long total = 0;
        for (int i = 0; i < array.Length; i++) total += array.GetValue<int>(i);
        return total;
    }
}
