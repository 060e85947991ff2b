using System.Text;
using System.Text.Json.Nodes;
using Podnet.Cli.Args;

namespace Podnet.Cli.Output;

/// <summary>The part of kubectl's JSONPath templates scripts use: literal text, <c>{.a.b[0].c}</c>,
/// <c>[*]</c>, <c>['key.with.dots']</c>, string literals <c>{"\n"}</c> and <c>{range …}…{end}</c>.
/// Several results print space-separated; strings raw, objects as JSON.</summary>
public static class JsonPath
{
    private abstract record Part;
    private sealed record Text(string Value) : Part;
    private sealed record Path(IReadOnlyList<Seg> Segs) : Part;
    private sealed record Range(Path Over, IReadOnlyList<Part> Body) : Part;

    private abstract record Seg;
    private sealed record Field(string Name) : Seg;
    private sealed record Index(int I) : Seg;
    private sealed record All : Seg;

    public static string Render(string template, JsonNode? root)
    {
        var tokens = Tokenize(template);
        int pos = 0;
        var parts = ParseParts(tokens, ref pos, template, topLevel: true);
        var sb = new StringBuilder();
        Eval(parts, root, sb);
        return sb.ToString();
    }

    private static void Eval(IReadOnlyList<Part> parts, JsonNode? current, StringBuilder sb)
    {
        foreach (var p in parts)
        {
            switch (p)
            {
                case Text t: sb.Append(t.Value); break;
                case Path path:
                    sb.Append(string.Join(" ", Select(path, current).Select(Show)));
                    break;
                case Range r:
                    foreach (var item in Select(r.Over, current)) Eval(r.Body, item, sb);
                    break;
            }
        }
    }

    private static string Show(JsonNode? n) => n switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => n.ToJsonString(),
    };

    private static IEnumerable<JsonNode?> Select(Path path, JsonNode? start)
    {
        IEnumerable<JsonNode?> cur = [start];
        foreach (var seg in path.Segs)
        {
            cur = seg switch
            {
                Field f => cur.Select(n => n is JsonObject o && o.TryGetPropertyValue(f.Name, out var v) ? v : Missing).Where(n => !ReferenceEquals(n, Missing)),
                Index i => cur.Select(n => n is JsonArray a && (i.I >= 0 ? i.I < a.Count : -i.I <= a.Count) ? a[i.I >= 0 ? i.I : a.Count + i.I] : Missing).Where(n => !ReferenceEquals(n, Missing)),
                _ => cur.SelectMany(n => n switch
                {
                    JsonArray a => a.ToList(),
                    JsonObject o => o.Select(kv => kv.Value).ToList(),
                    _ => [],
                }),
            };
        }
        return cur.ToList();
    }

    private static readonly JsonNode Missing = JsonValue.Create("\u0000missing");

    // Tokens: (isExpr, text).
    private static List<(bool Expr, string Text)> Tokenize(string template)
    {
        var result = new List<(bool, string)>();
        var sb = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c != '{') { sb.Append(c); continue; }
            if (sb.Length > 0) { result.Add((false, sb.ToString())); sb.Clear(); }
            int depth = 0, j = i;
            bool inString = false;
            for (; j < template.Length; j++)
            {
                var d = template[j];
                if (inString) { if (d == '\\') j++; else if (d == '"') inString = false; continue; }
                if (d == '"') inString = true;
                else if (d == '{') depth++;
                else if (d == '}' && --depth == 0) break;
            }
            if (j >= template.Length) throw new UsageException($"error parsing jsonpath {template}: unclosed action");
            result.Add((true, template[(i + 1)..j].Trim()));
            i = j;
        }
        if (sb.Length > 0) result.Add((false, sb.ToString()));
        return result;
    }

    private static List<Part> ParseParts(List<(bool Expr, string Text)> tokens, ref int pos, string template, bool topLevel)
    {
        var parts = new List<Part>();
        while (pos < tokens.Count)
        {
            var (expr, text) = tokens[pos++];
            if (!expr) { parts.Add(new Text(text)); continue; }
            if (text == "end")
            {
                if (topLevel) throw new UsageException($"error parsing jsonpath {template}: {{end}} without {{range}}");
                return parts;
            }
            if (text.StartsWith("range ", StringComparison.Ordinal))
            {
                var over = ParsePath(text[6..].Trim(), template);
                var body = ParseParts(tokens, ref pos, template, topLevel: false);
                parts.Add(new Range(over, body));
                continue;
            }
            if (text.StartsWith('"')) { parts.Add(new Text(Unquote(text, template))); continue; }
            parts.Add(ParsePath(text, template));
        }
        if (!topLevel) throw new UsageException($"error parsing jsonpath {template}: {{range}} without {{end}}");
        return parts;
    }

    private static string Unquote(string s, string template)
    {
        if (s.Length < 2 || s[^1] != '"') throw new UsageException($"error parsing jsonpath {template}: unterminated string {s}");
        return s[1..^1].Replace("\\n", "\n").Replace("\\t", "\t").Replace("\\\"", "\"").Replace("\\\\", "\\");
    }

    private static Path ParsePath(string s, string template)
    {
        var segs = new List<Seg>();
        int i = 0;
        if (s.StartsWith('$')) i = 1;
        if (s == "@" || s == "." || s.Length == 0) return new Path(segs);
        while (i < s.Length)
        {
            if (s[i] == '.')
            {
                int j = i + 1;
                while (j < s.Length && s[j] != '.' && s[j] != '[') j++;
                if (j == i + 1)
                {
                    if (j < s.Length && s[j] == '[') { i = j; continue; }
                    throw new UsageException($"error parsing jsonpath {template}: empty field name in \"{s}\"");
                }
                segs.Add(new Field(s[(i + 1)..j]));
                i = j;
            }
            else if (s[i] == '[')
            {
                int j = s.IndexOf(']', i);
                if (j < 0) throw new UsageException($"error parsing jsonpath {template}: unclosed [ in \"{s}\"");
                var inner = s[(i + 1)..j].Trim();
                if (inner == "*") segs.Add(new All());
                else if (inner.Length >= 2 && (inner[0] == '\'' || inner[0] == '"')) segs.Add(new Field(inner[1..^1]));
                else if (int.TryParse(inner, out var n)) segs.Add(new Index(n));
                else throw new UsageException($"error parsing jsonpath {template}: unsupported subscript [{inner}] (supported: [n], [*], ['key'])");
                i = j + 1;
            }
            else throw new UsageException($"error parsing jsonpath {template}: unexpected \"{s[i..]}\" (paths start with '.')");
        }
        return new Path(segs);
    }
}
