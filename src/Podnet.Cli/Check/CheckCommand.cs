using Podnet.Cli.Apply;
using Podnet.Cli.Args;
using Podnet.Cli.Commands;

namespace Podnet.Cli.Check;

/// <summary><c>podnet check [-f FILE|DIR]…</c>: builds the conformance model in the lab, applies the
/// policies, computes the expected reachability with the reference evaluator, probes every cell for
/// real and prints both tables; exit 0 only when every cell agrees. What it created is removed
/// afterwards (also after a failure or Ctrl-C) unless --keep is given.</summary>
public static class CheckCommand
{
    public static readonly CommandSpec Spec = new(
        "check", "Prove NetworkPolicy enforcement: expected vs observed reachability of the x/y/z model",
        "[-f FILE|DIR]... [--keep] [flags]",
        [
            FlagSpec.Value("filename", 'f', "FILE", "NetworkPolicy manifests to apply first (file or directory, repeatable)"),
            FlagSpec.Bool("recursive", 'R', "read directories recursively"),
            FlagSpec.Bool("keep", null, "leave the model (namespaces x, y, z and their pods) and the policies in the lab"),
            FlagSpec.Bool("service", null, "probe each pod through its ClusterIP Service s-NS-POD instead of its pod IP"),
            FlagSpec.Value("timeout", null, "DURATION", "how long one probe waits for an answer (default 1s)"),
            FlagSpec.Value("retry", null, "DURATION", "how long differing cells are re-probed while enforcement catches up (default 5s)"),
            FlagSpec.Value("ready-timeout", null, "DURATION", "how long to wait for the model's pods to be Ready (default 2m)"),
        ],
        RunAsync,
        Examples: """
              podnet check                                        # no policies: every cell reachable
              podnet check -f examples/netpol/deny-ingress-x.yaml
              podnet check -f examples/netpol/ --keep             # all examples at once; keep the model
              podnet check -n y -f my-policy.yaml                 # documents without a namespace go to y (default x)
            """);

    private static async Task<int> RunAsync(CliContext ctx)
    {
        var a = ctx.Args;
        if (a.Positionals.Count > 0)
            throw new UsageException($"unexpected argument \"{a.Positionals[0]}\": policies are given with -f FILE");
        var probeTimeout = Durations.Parse(a.Value("timeout") ?? "1s", "--timeout");
        var retry = Durations.Parse(a.Value("retry") ?? "5s", "--retry");
        var readyTimeout = Durations.Parse(a.Value("ready-timeout") ?? "2m", "--ready-timeout");
        var model = ConformanceModel.Standard;
        void Progress(string m) => ctx.Err.WriteLine(m);

        // The files first: a bad one changes nothing in the lab.
        var paths = a.Values("filename");
        IReadOnlyList<ManifestDoc> docs;
        try
        {
            var sources = paths.Count == 0 ? [] : ManifestSources.Read(paths, a.Bool("recursive"), ctx.In);
            docs = PolicyFiles.Load(sources, ctx.NamespaceExplicit ? ctx.Namespace : model.Namespaces[0], ctx.NamespaceExplicit, model);
        }
        catch (CheckException e) { ctx.Err.WriteLine(e.Message); return 1; }

        var lab = ctx.Target.Lab;
        if (lab.Length == 0)
            throw new UsageException($"check probes inside the lab's namespaces: name the lab with --lab NAME (the API was given by {ctx.Target.Reason})");
        var api = ctx.Api;
        var setup = new ModelSetup(api, model, Progress);
        var createdPolicies = new List<(string Ns, string Name)>();
        bool keep = a.Bool("keep");
        try
        {
            await setup.EnsureNamespacesAsync(ctx.Cancel);
            if (docs.Count > 0) await PolicyFiles.ApplyAsync(api, docs, createdPolicies, Progress, ctx.Cancel);
            await setup.EnsurePodsAsync(a.Bool("service"), ctx.Cancel);
            await setup.WaitReadyAsync(readyTimeout, ctx.Cancel);
            var runner = new CheckRunner(api, lab, model)
            {
                ProbeTimeout = probeTimeout, RetryFor = retry, ViaService = a.Bool("service"), Progress = Progress,
            };
            var result = await runner.RunAsync(ctx.Cancel);
            ctx.Out.Write(TableWriter.Write(result));
            return result.AllAgree ? 0 : 1;
        }
        catch (CheckException e)
        {
            ctx.Err.WriteLine(e.Message.StartsWith("error:", StringComparison.Ordinal) ? e.Message : "error: " + e.Message);
            return 1;
        }
        finally
        {
            if (ctx.Cancel.IsCancellationRequested) Progress("interrupted");
            if (!keep) await CleanupAsync(ctx, setup, createdPolicies);
            else if (setup.CreatedAnything || createdPolicies.Count > 0)
                Progress($"--keep: the model stays in lab {lab} (podnet get pods -A -l pod; remove it with: podnet delete namespace {string.Join(" ", model.Namespaces)})");
        }
    }

    private static async Task CleanupAsync(CliContext ctx, ModelSetup setup, List<(string Ns, string Name)> createdPolicies)
    {
        // Not the command's token: it is cancelled on Ctrl-C, and this must still run.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await setup.CleanupAsync(createdPolicies, cts.Token); }
        catch (Exception e) when (e is Podnet.Api.Client.ApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            ctx.Err.WriteLine($"warning: could not remove everything check created: {e.Message} (podnet delete namespace x y z)");
        }
    }
}
