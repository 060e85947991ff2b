using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Resources;
using Podnet.Cli.Args;
using Podnet.Cli.Describe;
using Podnet.Cli.Output;
using Podnet.Cli.Resources;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet describe TYPE [NAME...] | TYPE/NAME</c>: kubectl-like sections per object.</summary>
public static class DescribeCommand
{
    public static readonly CommandSpec Spec = new(
        "describe", "Show details of a resource or group of resources",
        "(TYPE [NAME...] | TYPE/NAME...) [flags]",
        [
            FlagSpec.Value("selector", 'l', "SELECTOR", "describe the objects matching a label selector"),
            FlagSpec.Bool("all-namespaces", 'A', "describe across all namespaces"),
        ],
        RunAsync);

    private static async Task<int> RunAsync(CliContext ctx)
    {
        var selector = Common.Selector(ctx);
        var targets = Common.ParseTargets(ctx.Args.Positionals, "describe");
        int exit = 0;
        var objects = new List<JsonObject>();
        foreach (var t in targets)
        {
            var api = Common.Api(t.Type);
            if (t.Names.Count == 0)
            {
                var items = await Common.ListAsync(ctx, t.Type, ctx.Args.Bool("all-namespaces"), selector);
                if (items.Count == 0) Common.NoResources(ctx, ctx.Args.Bool("all-namespaces"), t.Type);
                objects.AddRange(items);
                continue;
            }
            foreach (var name in t.Names)
            {
                try { objects.Add(await ctx.Api.GetAsync(api, Common.NamespaceFor(ctx, t.Type), name, ctx.Cancel)); }
                catch (ApiException e) when (e.IsNotFound)
                {
                    ctx.Err.WriteLine(Errors.FromServer(e));
                    exit = 1;
                }
            }
        }
        var now = ctx.Clock();
        for (int i = 0; i < objects.Count; i++)
        {
            if (i > 0) ctx.Out.WriteLine();
            var o = objects[i];
            ctx.Out.Write(Describers.Describe(o, now, await RelatedAsync(ctx, o)));
        }
        return exit;
    }

    /// <summary>Objects a description shows besides the object itself: a service's EndpointSlices,
    /// a node's pods.</summary>
    private static async Task<IReadOnlyList<JsonObject>> RelatedAsync(CliContext ctx, JsonObject o)
    {
        switch (o.Str("kind"))
        {
            case "Service":
                var slices = await ctx.Api.ListAsync(ApiResources.EndpointSlices, o.Namespace(),
                    new ListOptions { LabelSelector = "kubernetes.io/service-name=" + o.Name() }, ctx.Cancel);
                return slices.Items.Where(s => s.Map("metadata.labels").Any(kv => kv.Key == "kubernetes.io/service-name" && kv.Value == o.Name())).ToList();
            case "Node":
                var pods = await ctx.Api.ListAsync(ApiResources.Pods, null, new ListOptions { FieldSelector = "spec.nodeName=" + o.Name() }, ctx.Cancel);
                return pods.Items.Where(p => p.Str("spec.nodeName") == o.Name()).ToList();
            default:
                return [];
        }
    }
}
