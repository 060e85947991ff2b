using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Podnet.Cli.Output;

/// <summary>JSON → YAML the way kubectl prints it: keys sorted, sequences not indented under
/// their key, strings quoted only when plain YAML would read them as something else.</summary>
public static partial class YamlWriter
{
    public static string Write(JsonNode? node)
    {
        var sb = new StringBuilder();
        switch (node)
        {
            case JsonObject o when o.Count > 0: Mapping(sb, o, 0); break;
            case JsonArray a when a.Count > 0: Sequence(sb, a, 0); break;
            default: sb.Append(Inline(node)).Append('\n'); break;
        }
        return sb.ToString();
    }

    private static void Mapping(StringBuilder sb, JsonObject o, int indent)
    {
        foreach (var (key, value) in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(' ', indent).Append(Scalar(key)).Append(':');
            switch (value)
            {
                case JsonObject c when c.Count > 0: sb.Append('\n'); Mapping(sb, c, indent + 2); break;
                case JsonArray c when c.Count > 0: sb.Append('\n'); Sequence(sb, c, indent); break;
                default: sb.Append(' ').Append(Inline(value)).Append('\n'); break;
            }
        }
    }

    private static void Sequence(StringBuilder sb, JsonArray a, int indent)
    {
        foreach (var item in a)
        {
            switch (item)
            {
                case JsonObject c when c.Count > 0: Nested(sb, indent, inner => Mapping(inner, c, indent + 2)); break;
                case JsonArray c when c.Count > 0: Nested(sb, indent, inner => Sequence(inner, c, indent + 2)); break;
                default: sb.Append(' ', indent).Append("- ").Append(Inline(item)).Append('\n'); break;
            }
        }
    }

    /// <summary>Writes a block item at indent+2 and turns its first line's indentation into "- ".</summary>
    private static void Nested(StringBuilder sb, int indent, Action<StringBuilder> write)
    {
        var inner = new StringBuilder();
        write(inner);
        sb.Append(' ', indent).Append("- ").Append(inner, indent + 2, inner.Length - indent - 2);
    }

    private static string Inline(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.TryGetValue<string>(out var s) => Scalar(s),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => node.ToJsonString(), // a JsonValue of a number (JsonNode has no other kinds)
    };

    /// <summary>A string scalar: plain when YAML reads it back as the same string, else double-quoted.</summary>
    public static string Scalar(string s) => NeedsQuotes(s) ? Quote(s) : s;

    private static bool NeedsQuotes(string s)
    {
        if (s.Length == 0) return true;
        if (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])) return true;
        // "-", "?" and ":" may start a plain scalar when a non-space follows ("--http-port=80").
        if ("-?:".Contains(s[0]) && (s.Length == 1 || s[1] == ' ')) return true;
        if (",[]{}#&*!|>'\"%@`".Contains(s[0])) return true;
        if (s.EndsWith(':') || s.StartsWith("---", StringComparison.Ordinal) || s.StartsWith("...", StringComparison.Ordinal)) return true;
        if (s.Contains(": ") || s.Contains(" #")) return true;
        foreach (var c in s) if (char.IsControl(c)) return true;
        return Special().IsMatch(s) || Number().IsMatch(s) || DateLike().IsMatch(s);
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    // Words YAML 1.1 and 1.2 read as null or bool.
    [GeneratedRegex("^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|<<|=)$")]
    private static partial Regex Special();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F_]+$|^0o?[0-7_]+$|^0b[01_]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")]
    private static partial Regex Number();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")]
    private static partial Regex DateLike();
}
