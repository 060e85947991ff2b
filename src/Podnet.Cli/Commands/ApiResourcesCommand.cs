using Podnet.Cli.Output;
using Podnet.Cli.Resources;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet api-resources</c>: the served types with their short names, as kubectl lists them.</summary>
public static class ApiResourcesCommand
{
    public static readonly CommandSpec Spec = new("api-resources", "List the resource types and their short names", "", [],
        ctx =>
        {
            ctx.Out.Write(TextTable.Render(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"],
                ResourceTypes.All.OrderBy(t => t.Plural, StringComparer.Ordinal).Select(t => (IReadOnlyList<string>)
                    [t.Plural, string.Join(",", t.ShortNames), t.ApiVersion, t.Namespaced ? "true" : "false", t.Kind])));
            return Task.FromResult(0);
        });
}
