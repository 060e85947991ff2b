using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Podnet.Cli.Output;

namespace Podnet.Cli.Describe;

/// <summary>Builds kubectl-describe text: <c>Key:  value</c> lines whose values line up within each
/// run of such lines, sections (<c>Containers:</c>) that indent by two, and small tables.</summary>
public sealed class DescribeWriter
{
    private abstract record Line(int Level);
    private sealed record Pair(int Level, string Key, string Value) : Line(Level);
    private sealed record Raw(int Level, string Text) : Line(Level);

    private readonly List<Line> _lines = [];

    public void Item(int level, string key, string? value) => _lines.Add(new Pair(level, key, string.IsNullOrEmpty(value) ? "<none>" : value));

    /// <summary>A value shown as is, even empty (kubectl prints some fields blank).</summary>
    public void ItemRaw(int level, string key, string value) => _lines.Add(new Pair(level, key, value));

    public void Section(int level, string key) => _lines.Add(new Raw(level, key + ":"));

    public void Text(int level, string text) => _lines.Add(new Raw(level, text));

    /// <summary>A multi-value field: first value on the key's line, the rest aligned under it.</summary>
    public void Multi(int level, string key, IReadOnlyList<string> values)
    {
        if (values.Count == 0) { Item(level, key, null); return; }
        for (int i = 0; i < values.Count; i++) _lines.Add(new Pair(level, i == 0 ? key : "", values[i]));
    }

    public void Map(int level, string key, IReadOnlyList<KeyValuePair<string, string>> map) =>
        Multi(level, key, map.Select(kv => $"{kv.Key}={kv.Value}").ToList());

    public void Table(int level, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var underline = headers.Select(h => new string('-', h.Length)).ToList();
        var text = TextTable.Render(headers, new[] { (IReadOnlyList<string>)underline }.Concat(rows));
        foreach (var line in text.TrimEnd('\n').Split('\n')) _lines.Add(new Raw(level, line.TrimEnd()));
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < _lines.Count)
        {
            if (_lines[i] is Raw r)
            {
                sb.Append(' ', r.Level * 2).Append(r.Text).Append('\n');
                i++;
                continue;
            }
            // A run of pairs aligns its values in one column, whatever their levels (as kubectl's
            // tab writer does); a section header or table line ends the run.
            int j = i, width = 0;
            while (j < _lines.Count && _lines[j] is Pair p)
            {
                width = Math.Max(width, p.Level * 2 + p.Key.Length + 1);
                j++;
            }
            for (; i < j; i++)
            {
                var p = (Pair)_lines[i];
                var cell = new string(' ', p.Level * 2) + (p.Key.Length == 0 ? "" : p.Key + ":");
                sb.Append(cell.PadRight(width + 2)).Append(p.Value).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>kubectl's describe timestamps: <c>Sun, 22 Nov 2026 03:50:00 +0000</c>.</summary>
    public static string Time(DateTimeOffset? t) =>
        t is { } v ? v.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture) : "<unknown>";

    public static string Scalar(JsonNode? n) => n switch
    {
        null => "<none>",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => n.ToJsonString(),
    };
}
