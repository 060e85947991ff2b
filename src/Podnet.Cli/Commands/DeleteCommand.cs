using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Resources;
using Podnet.Cli.Apply;
using Podnet.Cli.Args;
using Podnet.Cli.Output;
using Podnet.Cli.Resources;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet delete (TYPE NAME... | TYPE/NAME... | TYPE -l SEL | TYPE --all | -f FILE)</c>.
/// Pods on a node terminate gracefully; delete waits until they are gone (unless --wait=false).</summary>
public static class DeleteCommand
{
    public static readonly CommandSpec Spec = new(
        "delete", "Delete resources by name, selector, --all or manifest",
        "(TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all | -f FILE) [flags]",
        [
            FlagSpec.Value("filename", 'f', "FILE", "delete the objects a manifest defines (file, directory or -)"),
            FlagSpec.Bool("recursive", 'R', "read directories recursively"),
            FlagSpec.Value("selector", 'l', "SELECTOR", "delete the objects matching a label selector"),
            FlagSpec.Bool("all", null, "delete every object of the type in the namespace"),
            FlagSpec.Bool("all-namespaces", 'A', "with -l or --all: in every namespace"),
            FlagSpec.Bool("ignore-not-found", null, "treat objects that do not exist as deleted"),
            FlagSpec.Value("grace-period", null, "SECONDS", "seconds a pod gets to terminate (default: the pod's own)"),
            FlagSpec.Bool("now", null, "same as --grace-period=1"),
            FlagSpec.Bool("force", null, "same as --grace-period=0: remove pods immediately"),
            FlagSpec.Bool("wait", null, "wait until the objects are gone (default true)"),
            FlagSpec.Value("timeout", null, "DURATION", "how long to wait, e.g. 30s, 2m (default 60s)"),
        ],
        RunAsync);

    private sealed record Victim(ResourceType Type, ApiResource Api, string? Namespace, string Name);

    private static async Task<int> RunAsync(CliContext ctx)
    {
        var a = ctx.Args;
        long? grace = a.Value("grace-period") is { } g
            ? long.TryParse(g, out var gv) && gv >= -1 ? (gv < 0 ? null : gv) : throw new UsageException($"invalid --grace-period \"{g}\": expected seconds")
            : null;
        if (a.Bool("now")) grace = 1;
        if (a.Bool("force")) grace = 0;
        var timeout = Durations.Parse(a.Value("timeout") ?? "60s", "--timeout");
        bool ignore = a.Bool("ignore-not-found");
        var victims = new List<Victim>();
        int exit = 0;

        if (a.Values("filename").Count > 0)
        {
            if (a.Positionals.Count > 0) throw new UsageException("give either -f FILE or TYPE NAME, not both");
            var (docs, errors) = ManifestDocs.Load(ManifestSources.Read(a.Values("filename"), a.Bool("recursive"), ctx.In), ctx.Namespace, ctx.NamespaceExplicit);
            if (errors.Count > 0)
            {
                foreach (var (_, e) in errors) ctx.Err.WriteLine("error: " + e);
                ctx.Err.WriteLine("error: nothing was deleted");
                return 1;
            }
            // Reverse order: dependents before what they live in (a namespace last).
            victims.AddRange(docs.AsEnumerable().Reverse().Select(d => new Victim(d.Type, d.Api, d.Namespace, d.Name)));
        }
        else
        {
            var selector = Common.Selector(ctx);
            bool all = a.Bool("all");
            var targets = Common.ParseTargets(a.Positionals, "delete");
            foreach (var t in targets)
            {
                var api = Common.Api(t.Type);
                if (t.Names.Count > 0)
                {
                    if (selector is not null || all) throw new UsageException("name cannot be provided when a selector or --all is specified");
                    victims.AddRange(t.Names.Select(n => new Victim(t.Type, api, Common.NamespaceFor(ctx, t.Type), n)));
                    continue;
                }
                if (selector is null && !all)
                    throw new UsageException($"resource(s) were provided, but no name was specified: give a NAME, -l SELECTOR or --all (type {t.Type.Plural})");
                var items = await Common.ListAsync(ctx, t.Type, a.Bool("all-namespaces"), selector);
                if (items.Count == 0) Common.NoResources(ctx, a.Bool("all-namespaces"), t.Type);
                victims.AddRange(items.Select(o => new Victim(t.Type, api, t.Type.Namespaced ? o.Namespace() : null, o.Name())));
            }
        }

        var waiting = new List<Victim>();
        foreach (var v in victims)
        {
            try
            {
                var result = await ctx.Api.DeleteAsync(v.Api, v.Namespace, v.Name, grace, ctx.Cancel);
                ctx.Out.WriteLine($"{v.Type.Qualified} \"{v.Name}\" deleted");
                if (result["metadata"]?["deletionTimestamp"] is not null) waiting.Add(v);
            }
            catch (ApiException e) when (e.IsNotFound)
            {
                if (ignore) continue;
                ctx.Err.WriteLine(Errors.FromServer(e));
                exit = 1;
            }
        }

        if (waiting.Count > 0 && a.Bool("wait", true))
        {
            var deadline = DateTime.UtcNow + timeout;
            foreach (var v in waiting)
            {
                while (await ctx.Api.TryGetAsync(v.Api, v.Namespace, v.Name, ctx.Cancel) is not null)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        ctx.Err.WriteLine($"error: timed out after {timeout.TotalSeconds:0}s waiting for {v.Type.Qualified} \"{v.Name}\" to terminate (is its node's kubelet running?)");
                        return 1;
                    }
                    await Task.Delay(100, ctx.Cancel);
                }
            }
        }
        return exit;
    }
}

/// <summary>Go-style durations for flags: <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>500ms</c>, or plain seconds.</summary>
public static class Durations
{
    public static TimeSpan Parse(string s, string flag)
    {
        double n;
        if (s.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(s[..^2], System.Globalization.CultureInfo.InvariantCulture, out n)) return TimeSpan.FromMilliseconds(n);
        if (s.Length > 1 && double.TryParse(s[..^1], System.Globalization.CultureInfo.InvariantCulture, out n))
        {
            switch (s[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
            }
        }
        if (double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out n)) return TimeSpan.FromSeconds(n);
        throw new UsageException($"invalid {flag} \"{s}\": use a duration such as 30s, 2m or 1h");
    }
}
