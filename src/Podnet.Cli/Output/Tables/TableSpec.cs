using System.Text.Json.Nodes;

namespace Podnet.Cli.Output.Tables;

/// <summary>The columns kubectl prints for one kind: the normal ones and those <c>-o wide</c> appends.
/// Row functions are pure (object + clock → cells), so they are tested table-driven.</summary>
public sealed record TableSpec(
    IReadOnlyList<string> Headers,
    Func<JsonObject, DateTimeOffset, IReadOnlyList<string>> Row,
    IReadOnlyList<string> WideHeaders,
    Func<JsonObject, IReadOnlyList<string>> WideRow);

/// <summary>Options of one table.</summary>
public sealed record TableOptions(bool Wide = false, bool WithNamespace = false, bool ShowLabels = false, bool NoHeaders = false, string? KindPrefix = null);

public static class Tables
{
    private static readonly TableSpec Generic = new(["NAME", "AGE"],
        (o, now) => [o.Name(), Age.Since(o.Time("metadata.creationTimestamp"), now)], [], _ => []);

    public static TableSpec For(string kind) => kind switch
    {
        "Pod" => PodTable.Spec,
        "Service" => ServiceTable.Spec,
        "Deployment" => DeploymentTable.Spec,
        "Node" => NodeTable.Spec,
        "Namespace" => MiscTables.Namespace,
        "EndpointSlice" => MiscTables.EndpointSlice,
        "NetworkPolicy" => MiscTables.NetworkPolicy,
        "Ingress" => MiscTables.Ingress,
        _ => Generic,
    };

    /// <summary>Renders objects of one kind as kubectl does (NAMESPACE first with -A; wide columns after
    /// the normal ones; LABELS last with --show-labels; <c>kind/name</c> when several kinds are shown).</summary>
    public static string Render(string kind, IEnumerable<JsonObject> items, DateTimeOffset now, TableOptions opt)
    {
        var spec = For(kind);
        var headers = new List<string>();
        if (opt.WithNamespace) headers.Add("NAMESPACE");
        headers.AddRange(spec.Headers);
        if (opt.Wide) headers.AddRange(spec.WideHeaders);
        if (opt.ShowLabels) headers.Add("LABELS");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var o in items)
        {
            var row = new List<string>();
            if (opt.WithNamespace) row.Add(o.Namespace() ?? "");
            var main = spec.Row(o, now).ToList();
            if (opt.KindPrefix is not null) main[0] = $"{opt.KindPrefix}/{main[0]}";
            row.AddRange(main);
            if (opt.Wide) row.AddRange(spec.WideRow(o));
            if (opt.ShowLabels) row.Add(Obj.Labels(o.Map("metadata.labels")));
            rows.Add(row);
        }
        var text = TextTable.Render(headers, rows);
        return opt.NoHeaders ? text[(text.IndexOf('\n') + 1)..] : text;
    }

    /// <summary>A LabelSelector object (matchLabels + matchExpressions) in kubectl's text form.</summary>
    public static string Selector(JsonNode? selector)
    {
        if (selector is not JsonObject) return "<none>";
        var parts = new List<string>();
        foreach (var (k, v) in selector.Map("matchLabels")) parts.Add($"{k}={v}");
        foreach (var e in selector.Objects("matchExpressions"))
        {
            var key = e.Str("key") ?? "";
            var values = string.Join(",", e.Strings("values").Order(StringComparer.Ordinal));
            parts.Add(e.Str("operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                var op => $"{key} {op} ({values})",
            });
        }
        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }

    public static string OrNone(string? s) => string.IsNullOrEmpty(s) ? "<none>" : s;
}
