using System.Text.Json.Nodes;
using Podnet.Api.Json;

namespace Podnet.Api.Selectors;

/// <summary>Field selectors: <c>spec.nodeName=node-1,status.phase!=Failed,metadata.name=x</c>.
/// Any dotted path is accepted; an absent field compares as the empty string, as in Kubernetes.</summary>
public sealed record FieldSelector(IReadOnlyList<(string Path, bool Equal, string Value)> Terms)
{
    public static readonly FieldSelector Everything = new([]);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            int i;
            if ((i = part.IndexOf("!=", StringComparison.Ordinal)) > 0) terms.Add((part[..i], false, part[(i + 2)..]));
            else if ((i = part.IndexOf("==", StringComparison.Ordinal)) > 0) terms.Add((part[..i], true, part[(i + 2)..]));
            else if ((i = part.IndexOf('=')) > 0) terms.Add((part[..i], true, part[(i + 1)..]));
            else throw new FormatException($"field selector \"{text}\": \"{part}\" is not of the form field=value or field!=value");
        }
        return new(terms);
    }

    public bool Matches(JsonObject obj) =>
        Terms.All(t => (obj.AtPath(t.Path) ?? "") == t.Value == t.Equal);
}
