// The runtime's allocation events name types as reflection does, the heap (ClrMD) another way, and users paste one
// into commands that expect the other. Events: "System.Collections.Generic.KeyValuePair`2[System.Type,System.Object][]"
// (arity marks, arguments in brackets, sometimes assembly-qualified "[[System.String, System.Private.CoreLib, …]]"),
// and a nested type by its own name only: Pool<OrderLine>.Slot arrives as "Slot[Allocations.OrderLine]", its
// enclosing type and namespace left out (seen on .NET 10, AllocationSampled and GCAllocationTick alike). The heap:
// "System.Collections.Generic.KeyValuePair<System.Type, System.Object>[]", "Allocations.Pool<Allocations.OrderLine>+Slot".
// ToHeapName rewrites the first into the second's syntax; Key reduces either to what both say (the innermost type's
// name and every type argument), so a sampled nested type can still be matched to the heap's full name.
using System.Text;

namespace HeapLens.Agent.Tracing;

public static class RuntimeTypeNames
{
    /// <summary>A type name of the runtime's events in the heap's syntax; a name without arity marks comes back as it is.</summary>
    public static string ToHeapName(string name)
    {
        if (name.IndexOf('`') < 0 && name.IndexOf('[') < 0) return name;
        try
        {
            int i = 0;
            string heap = ParseRuntime(name, ref i);
            return i == name.Length ? heap : name;
        }
        catch (FormatException)
        {
            return name; // not a shape we know: better the runtime's text than a wrong name
        }
    }

    /// <summary>
    /// What a heap name and an event name of the same type share: the innermost type's name (with the namespace when
    /// it is not nested) and all type arguments in order (each keyed the same way), and the array ranks; no spaces.
    /// "Allocations.Pool&lt;Allocations.OrderLine&gt;+Slot" and "Slot[Allocations.OrderLine]" both give "Slot&lt;Allocations.OrderLine&gt;".
    /// </summary>
    public static string Key(string name)
    {
        string heap = ToHeapName(name.Trim());
        try
        {
            int i = 0;
            string key = KeyOfHeapName(heap, ref i);
            return i == heap.Length ? key : heap.Replace(" ", "");
        }
        catch (FormatException)
        {
            return heap.Replace(" ", "");
        }
    }

    // type := segment ('+' segment)* ('[' arg (',' arg)* ']')? rank*   with segment := name ('`' arity)?
    //   arg := '[' type (',' assembly)? ']' | type        rank := '[' ','* ']' | '*' | '&'
    private static string ParseRuntime(string s, ref int i)
    {
        var segments = new List<(string Name, int Arity)>();
        while (true)
        {
            int start = i;
            while (i < s.Length && s[i] is not ('+' or '[' or ']' or ',' or '*' or '&')) i++;
            string segment = s[start..i].Trim();
            int tick = segment.IndexOf('`');
            int arity = 0;
            if (tick >= 0 && !int.TryParse(segment[(tick + 1)..], out arity)) throw new FormatException(segment);
            segments.Add((tick >= 0 ? segment[..tick] : segment, arity));
            if (i < s.Length && s[i] == '+')
            {
                i++;
                continue;
            }
            break;
        }
        int total = segments.Sum(x => x.Arity);
        var args = new List<string>();
        if (i < s.Length && s[i] == '[' && !IsRank(s, i))
        {
            i++;
            while (true)
            {
                if (i < s.Length && s[i] == '[')
                {
                    i++;
                    args.Add(ParseRuntime(s, ref i));
                    while (i < s.Length && s[i] != ']') i++; // ", System.Private.CoreLib, Version=…"
                    Expect(s, ref i, ']');
                }
                else
                {
                    args.Add(ParseRuntime(s, ref i));
                }
                if (i < s.Length && s[i] == ',')
                {
                    i++;
                    continue;
                }
                Expect(s, ref i, ']');
                break;
            }
        }
        // A nested type named alone carries its enclosing types' arguments too, and no arity mark when it has no
        // parameters of its own ("Slot[Allocations.OrderLine]"): then every argument is written on it.
        if (args.Count != total && segments.Count == 1) segments[0] = (segments[0].Name, args.Count);
        else if (args.Count != 0 && args.Count != total) throw new FormatException(s);
        var text = new StringBuilder();
        int next = 0;
        for (int k = 0; k < segments.Count; k++)
        {
            if (k > 0) text.Append('+');
            text.Append(segments[k].Name);
            if (segments[k].Arity == 0 || args.Count == 0) continue;
            text.Append('<').AppendJoin(", ", args.Skip(next).Take(segments[k].Arity)).Append('>');
            next += segments[k].Arity;
        }
        AppendRanks(s, ref i, text);
        return text.ToString();
    }

    // Heap syntax: segment ('<' type (',' type)* '>')? ('+' segment …)* rank*
    private static string KeyOfHeapName(string s, ref int i)
    {
        string last = "";
        var args = new List<string>();
        while (true)
        {
            int start = i;
            while (i < s.Length && s[i] is not ('+' or '<' or '>' or ',' or '[' or '*' or '&')) i++;
            last = s[start..i].Trim();
            if (i < s.Length && s[i] == '<')
            {
                i++;
                while (true)
                {
                    args.Add(KeyOfHeapName(s, ref i));
                    if (i < s.Length && s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect(s, ref i, '>');
                    break;
                }
            }
            if (i < s.Length && s[i] == '+')
            {
                i++;
                continue;
            }
            break;
        }
        var key = new StringBuilder(last);
        if (args.Count > 0) key.Append('<').AppendJoin(",", args).Append('>');
        AppendRanks(s, ref i, key);
        return key.ToString();
    }

    private static void AppendRanks(string s, ref int i, StringBuilder text)
    {
        while (i < s.Length)
        {
            if (s[i] is '*' or '&')
            {
                text.Append(s[i++]);
            }
            else if (IsRank(s, i))
            {
                int end = s.IndexOf(']', i);
                text.Append(s, i, end - i + 1);
                i = end + 1;
            }
            else
            {
                break;
            }
        }
    }

    /// <summary>"[]", "[,]", "[*]": an array rank, not a list of type arguments.</summary>
    private static bool IsRank(string s, int i)
    {
        if (s[i] != '[') return false;
        int j = i + 1;
        while (j < s.Length && s[j] is ',' or '*') j++;
        return j < s.Length && s[j] == ']';
    }

    private static void Expect(string s, ref int i, char c)
    {
        if (i >= s.Length || s[i] != c) throw new FormatException(s);
        i++;
    }
}
