using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Models;

namespace Podnet.Api.Selectors;

public enum SelectorOp { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

public sealed record SelectorRequirement(string Key, SelectorOp Op, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var v);
        return Op switch
        {
            SelectorOp.Equals => has && v == Values[0],
            SelectorOp.NotEquals => !has || v != Values[0],
            SelectorOp.In => has && Values.Contains(v!),
            SelectorOp.NotIn => !has || !Values.Contains(v!),
            SelectorOp.Exists => has,
            SelectorOp.DoesNotExist => !has,
            _ => false,
        };
    }
}

/// <summary>A parsed label selector. An empty selector matches everything; <see cref="Nothing"/>
/// (a null selector in a Kubernetes object) matches nothing.</summary>
public sealed record LabelSelector(IReadOnlyList<SelectorRequirement> Requirements, bool MatchesNothing = false)
{
    public static readonly LabelSelector Everything = new([]);
    public static readonly LabelSelector Nothing = new([], true);

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        !MatchesNothing && Requirements.All(r => r.Matches(labels));

    public bool Matches(JsonObject obj) => Matches(obj.Labels());

    public static LabelSelector FromMap(IReadOnlyDictionary<string, string>? map) =>
        map is null ? Nothing : new(map.Select(kv => new SelectorRequirement(kv.Key, SelectorOp.Equals, [kv.Value])).ToList());

    /// <summary>From a LabelSelector object (matchLabels + matchExpressions); throws
    /// <see cref="FormatException"/> on an unknown operator.</summary>
    public static LabelSelector FromSpec(LabelSelectorSpec? spec)
    {
        if (spec is null) return Nothing;
        var reqs = new List<SelectorRequirement>();
        foreach (var (k, v) in spec.MatchLabels ?? []) reqs.Add(new(k, SelectorOp.Equals, [v]));
        foreach (var e in spec.MatchExpressions ?? [])
        {
            var op = e.Operator switch
            {
                "In" => SelectorOp.In,
                "NotIn" => SelectorOp.NotIn,
                "Exists" => SelectorOp.Exists,
                "DoesNotExist" => SelectorOp.DoesNotExist,
                _ => throw new FormatException($"\"{e.Operator}\" is not a valid label selector operator"),
            };
            reqs.Add(new(e.Key, op, e.Values ?? []));
        }
        return new(reqs);
    }

    /// <summary>Parses the query syntax: <c>app=web,tier!=db,env in (a,b),!legacy,release</c>.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var reqs = new List<SelectorRequirement>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0) throw new FormatException($"empty requirement in label selector \"{text}\"");
            reqs.Add(ParseRequirement(part, text));
        }
        return new(reqs);
    }

    private static SelectorRequirement ParseRequirement(string part, string whole)
    {
        if (part.StartsWith('!')) return new(CheckKey(part[1..].Trim(), whole), SelectorOp.DoesNotExist, []);
        foreach (var (token, op) in new[] { (" notin ", SelectorOp.NotIn), (" in ", SelectorOp.In) })
        {
            var i = part.IndexOf(token, StringComparison.Ordinal);
            if (i <= 0) continue;
            var set = part[(i + token.Length)..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')'))
                throw new FormatException($"label selector \"{whole}\": set for \"{part[..i].Trim()}\" must be in parentheses");
            var values = set[1..^1].Split(',').Select(v => CheckValue(v.Trim(), whole)).ToList();
            return new(CheckKey(part[..i].Trim(), whole), op, values);
        }
        foreach (var (token, op) in new[] { ("!=", SelectorOp.NotEquals), ("==", SelectorOp.Equals), ("=", SelectorOp.Equals) })
        {
            var i = part.IndexOf(token, StringComparison.Ordinal);
            if (i < 0) continue;
            return new(CheckKey(part[..i].Trim(), whole), op, [CheckValue(part[(i + token.Length)..].Trim(), whole)]);
        }
        return new(CheckKey(part, whole), SelectorOp.Exists, []);
    }

    private static string CheckKey(string key, string whole) =>
        Validation.Names.LabelKeyError(key) is { } e ? throw new FormatException($"label selector \"{whole}\": key \"{key}\": {e}") : key;

    private static string CheckValue(string value, string whole) =>
        Validation.Names.LabelValueError(value) is { } e ? throw new FormatException($"label selector \"{whole}\": value \"{value}\": {e}") : value;

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0) { yield return text[start..i]; start = i + 1; }
        }
        yield return text[start..];
    }

    public override string ToString() => string.Join(",", Requirements.Select(r => r.Op switch
    {
        SelectorOp.Equals => $"{r.Key}={r.Values[0]}",
        SelectorOp.NotEquals => $"{r.Key}!={r.Values[0]}",
        SelectorOp.In => $"{r.Key} in ({string.Join(",", r.Values)})",
        SelectorOp.NotIn => $"{r.Key} notin ({string.Join(",", r.Values)})",
        SelectorOp.Exists => r.Key,
        _ => "!" + r.Key,
    }));
}
