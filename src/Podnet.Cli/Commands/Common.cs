using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Resources;
using Podnet.Api.Selectors;
using Podnet.Cli.Args;
using Podnet.Cli.Output;
using Podnet.Cli.Resources;

namespace Podnet.Cli.Commands;

/// <summary>Helpers shared by get, describe and delete: resolving TYPE [NAME...] / TYPE/NAME
/// arguments and listing with selectors.</summary>
public static class Common
{
    public static ApiResource Api(ResourceType t) =>
        ApiResources.ByKind(t.Kind) ?? throw new UsageException($"the server doesn't have a resource type \"{t.Plural}\"");

    /// <summary>A request: one type and either names or everything (filtered by the selector).</summary>
    public sealed record Target(ResourceType Type, IReadOnlyList<string> Names);

    /// <summary>Parses <c>TYPE[,TYPE] [NAME...]</c> or <c>TYPE/NAME...</c>.</summary>
    public static IReadOnlyList<Target> ParseTargets(IReadOnlyList<string> positionals, string verb)
    {
        if (positionals.Count == 0)
            throw new UsageException($"you must specify the type of resource to {verb}. Valid resource types include: " +
                string.Join(", ", ResourceTypes.All.Select(t => t.Plural)) + " (see 'podnet api-resources')");
        if (positionals.Any(p => p.Contains('/')))
        {
            var result = new List<Target>();
            foreach (var p in positionals)
            {
                var slash = p.IndexOf('/');
                if (slash <= 0 || slash == p.Length - 1)
                    throw new UsageException($"there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'podnet {verb} pod/coffee'); got \"{p}\"");
                var t = ResourceTypes.Resolve(p[..slash]);
                var name = p[(slash + 1)..];
                var existing = result.FindIndex(x => x.Type == t);
                if (existing >= 0) result[existing] = result[existing] with { Names = [.. result[existing].Names, name] };
                else result.Add(new(t, [name]));
            }
            return result;
        }
        var types = ResourceTypes.ResolveList(positionals[0]);
        var names = positionals.Skip(1).ToList();
        if (names.Count > 0 && types.Count > 1)
            throw new UsageException($"you may only specify a single resource type when naming objects (got \"{positionals[0]}\")");
        return types.Select(t => new Target(t, names)).ToList();
    }

    public static LabelSelector? Selector(CliContext ctx)
    {
        var s = ctx.Args.Value("selector");
        if (s is null) return null;
        try { return LabelSelector.Parse(s); }
        catch (FormatException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Lists objects of a type in the namespace (or all with -A), filtered by the selector,
    /// sorted by namespace and name.</summary>
    public static async Task<List<JsonObject>> ListAsync(CliContext ctx, ResourceType t, bool allNamespaces, LabelSelector? selector)
    {
        var api = Api(t);
        string? ns = t.Namespaced && !allNamespaces ? ctx.Namespace : null;
        var list = await ctx.Api.ListAsync(api, ns, new ListOptions { LabelSelector = selector?.ToString() }, ctx.Cancel);
        return list.Items
            .Where(o => selector is null || selector.Matches(o))
            .OrderBy(o => o.Namespace() ?? "", StringComparer.Ordinal)
            .ThenBy(o => o.Name(), StringComparer.Ordinal)
            .ToList();
    }

    public static string? NamespaceFor(CliContext ctx, ResourceType t) => t.Namespaced ? ctx.Namespace : null;

    public static string NotFoundMessage(ResourceType t, string name) => $"Error from server (NotFound): {t.QualifiedPlural} \"{name}\" not found";

    public static void NoResources(CliContext ctx, bool allNamespaces, ResourceType? t)
    {
        if (allNamespaces || t is { Namespaced: false }) ctx.Err.WriteLine("No resources found");
        else ctx.Err.WriteLine($"No resources found in {ctx.Namespace} namespace.");
    }
}
