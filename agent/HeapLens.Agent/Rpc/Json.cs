// JSON settings of the wire and the "0x…" address strings (64-bit addresses do not fit a JavaScript number).
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HeapLens.Agent.Rpc;

public static class Json
{
    /// <summary>camelCase names; optional fields are omitted when not applicable (null).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static string Hex(ulong address) => "0x" + address.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Parses "0x7f…" (or bare hex); throws InvalidParams with a message naming the bad text.</summary>
    public static ulong ParseAddress(string? text, string what = "address")
    {
        if (string.IsNullOrWhiteSpace(text)) throw AgentException.InvalidParams($"The {what} is missing: give it as a hex string such as \"0x7f3a12345678\".");
        string s = text.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if (s.Length == 0 || s.Length > 16 || !ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value))
            throw AgentException.InvalidParams($"\"{text}\" is not an address: give it as a hex string such as \"0x7f3a12345678\".");
        return value;
    }
}
