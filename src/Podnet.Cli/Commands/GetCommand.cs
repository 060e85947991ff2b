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
            FlagSpec.Bool("watch", 'w', "after listing, print a row for every change (until Ctrl-C)"),
            FlagSpec.Bool("watch-only", null, "print only the changes, not the initial list"),
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
        if (a.Bool("watch") || a.Bool("watch-only"))
        {
            if (targets.Count != 1 || named) throw new UsageException("watch is only supported on a single resource type and a list (no names)");
            if (format is not (OutputFormat.Table or OutputFormat.Wide)) throw new UsageException("watch prints tables only (-o wide or no -o)");
            return await WatchAsync(ctx, targets[0].Type, all, selector, format == OutputFormat.Wide, a.Bool("watch-only"));
        }

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

    /// <summary>List then watch from the list's resourceVersion, one row per event (kubectl get -w).</summary>
    private static async Task<int> WatchAsync(CliContext ctx, Resources.ResourceType type, bool all, Podnet.Api.Selectors.LabelSelector? selector, bool wide, bool watchOnly)
    {
        var api = Common.Api(type);
        string? ns = type.Namespaced && !all ? ctx.Namespace : null;
        var list = await ctx.Api.ListAsync(api, ns, new ListOptions { LabelSelector = selector?.ToString() }, ctx.Cancel);
        var opt = new TableOptions(Wide: wide, WithNamespace: all && type.Namespaced, ShowLabels: ctx.Args.Bool("show-labels"));
        var items = list.Items.Where(o => selector is null || selector.Matches(o)).OrderBy(o => o.Namespace() ?? "").ThenBy(o => o.Name()).ToList();
        var headerText = Tables.Render(type.Kind, items, ctx.Clock(), opt with { NoHeaders = false });
        if (!watchOnly) ctx.Out.Write(items.Count > 0 ? headerText : headerText[..(headerText.IndexOf('\n') + 1)]);
        ctx.Out.Flush();
        var rv = list.ResourceVersion;
        try
        {
            while (!ctx.Cancel.IsCancellationRequested)
            {
                await foreach (var ev in ctx.Api.WatchAsync(api, ns, new ListOptions { LabelSelector = selector?.ToString(), ResourceVersion = rv }, ctx.Cancel))
                {
                    if (ev.Object["metadata"]?["resourceVersion"]?.GetValue<string>() is { } v) rv = v;
                    if (ev.Type is not (WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)) continue;
                    if (selector is not null && !selector.Matches(ev.Object)) continue;
                    var row = Tables.Render(type.Kind, [ev.Object], ctx.Clock(), opt with { NoHeaders = true });
                    ctx.Out.Write(row);
                    ctx.Out.Flush();
                }
            }
        }
        catch (OperationCanceledException) when (ctx.Cancel.IsCancellationRequested) { }
        return 0;
    }
}
