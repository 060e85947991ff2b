using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Cli.Args;
using Podnet.Cli.Output;
using Podnet.Cli.Output.Tables;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet get TYPE[,TYPE] [NAME...] | TYPE/NAME...</c> with kubectl's tables and formats.</summary>
public static class GetCommand
{
    public static readonly CommandSpec Spec = new(
        "get", "Display one or many resources",
        "(TYPE[,TYPE...] [NAME...] | TYPE/NAME ...) [flags]",
        [
            FlagSpec.Value("output", 'o', "FORMAT", "output format: wide, yaml, json, name, jsonpath=TEMPLATE"),
            FlagSpec.Bool("all-namespaces", 'A', "list across all namespaces (adds a NAMESPACE column)"),
            FlagSpec.Value("selector", 'l', "SELECTOR", "label selector, e.g. app=coffee,tier in (web,api),!legacy"),
            FlagSpec.Bool("show-labels", null, "show labels as the last column"),
            FlagSpec.Bool("no-headers", null, "omit the table header"),
            FlagSpec.Bool("ignore-not-found", null, "print nothing (exit 0) for objects that do not exist"),
        ],
        RunAsync,
        Examples: """
              podnet get pods -o wide
              podnet get svc,deploy -n kube-system
              podnet get pods -A -l app=coffee
              podnet get pod coffee -o yaml
              podnet get pod coffee -o jsonpath='{.status.podIP}'
            """);

    private static async Task<int> RunAsync(CliContext ctx)
    {
        var a = ctx.Args;
        var (format, template) = ObjectPrinter.ParseFormat(a.Value("output"));
        bool all = a.Bool("all-namespaces");
        var selector = Common.Selector(ctx);
        var targets = Common.ParseTargets(a.Positionals, "get");
        bool named = targets.Any(t => t.Names.Count > 0);
        if (named && selector is not null) throw new UsageException("name cannot be provided when a selector is specified");
        bool ignoreMissing = a.Bool("ignore-not-found");
        var now = ctx.Clock();
        int exit = 0;

        var groups = new List<(Resources.ResourceType Type, List<JsonObject> Items)>();
        foreach (var t in targets)
        {
            var api = Common.Api(t.Type);
            if (t.Names.Count == 0)
            {
                groups.Add((t.Type, await Common.ListAsync(ctx, t.Type, all, selector)));
                continue;
            }
            var items = new List<JsonObject>();
            foreach (var name in t.Names)
            {
                try
                {
                    var o = await ctx.Api.GetAsync(api, Common.NamespaceFor(ctx, t.Type), name, ctx.Cancel);
                    o["apiVersion"] ??= api.ApiVersion;
                    o["kind"] ??= api.Kind;
                    items.Add(o);
                }
                catch (ApiException e) when (e.IsNotFound)
                {
                    if (ignoreMissing) continue;
                    ctx.Err.WriteLine(Errors.FromServer(e));
                    exit = 1;
                }
            }
            groups.Add((t.Type, items));
        }

        var everything = groups.SelectMany(g => g.Items).ToList();
        switch (format)
        {
            case OutputFormat.Yaml:
                if (everything.Count > 0 || !named) ctx.Out.Write(YamlWriter.Write(ObjectPrinter.Wrap(everything, named && targets.Sum(t => t.Names.Count) == 1)));
                return exit;
            case OutputFormat.Json:
                if (everything.Count > 0 || !named) ctx.Out.Write(ObjectPrinter.Json(ObjectPrinter.Wrap(everything, named && targets.Sum(t => t.Names.Count) == 1)));
                return exit;
            case OutputFormat.JsonPath:
                var root = ObjectPrinter.Wrap(everything, named && targets.Sum(t => t.Names.Count) == 1);
                ctx.Out.Write(JsonPath.Render(template!, root));
                return exit;
            case OutputFormat.Name:
                foreach (var (type, items) in groups)
                    foreach (var o in items) ctx.Out.WriteLine(ObjectPrinter.Name(type, o));
                return exit;
        }

        if (everything.Count == 0)
        {
            if (!named) Common.NoResources(ctx, all, targets.Count == 1 ? targets[0].Type : null);
            return exit;
        }
        bool first = true;
        bool prefix = groups.Count(g => g.Items.Count > 0) > 1;
        foreach (var (type, items) in groups)
        {
            if (items.Count == 0) continue;
            if (!first) ctx.Out.WriteLine();
            first = false;
            var opt = new TableOptions(
                Wide: format == OutputFormat.Wide,
                WithNamespace: all && type.Namespaced,
                ShowLabels: a.Bool("show-labels"),
                NoHeaders: a.Bool("no-headers"),
                KindPrefix: prefix ? type.Qualified : null);
            ctx.Out.Write(Tables.Render(type.Kind, items, now, opt));
        }
        return exit;
    }
}
