using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Validation;
using Podnet.Cli.Apply;
using Podnet.Cli.Args;
using Podnet.ControlPlane.Server;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet apply -f FILE|DIR|-</c> (and <c>podnet create -f</c>). All documents are
/// checked first — locally, then by the server with <c>?dryRun=All</c> — and nothing is written
/// unless every one passes; each failure names its document, kind/name and field.</summary>
public static class ApplyCommand
{
    private static readonly FlagSpec[] Flags =
    [
        FlagSpec.Value("filename", 'f', "FILE", "manifest file, directory or - for stdin (repeatable)"),
        FlagSpec.Bool("recursive", 'R', "read directories recursively"),
        FlagSpec.Value("dry-run", null, "none|client|server", "only validate: client (locally) or server (by the API, nothing stored)"),
        FlagSpec.Value("output", 'o', "FORMAT", "print the applied objects: yaml, json or name"),
    ];

    public static readonly CommandSpec Spec = new(
        "apply", "Create or update resources from manifests (multi-document YAML or JSON)",
        "-f FILE|DIR|- [flags]", Flags, ctx => RunAsync(ctx, createOnly: false),
        Examples: """
              podnet apply -f examples/cafe.yaml
              podnet apply -f examples/ -R
              cat pod.yaml | podnet apply -f -
            """);

    public static readonly CommandSpec CreateSpec = new(
        "create", "Create resources from manifests (fails for objects that exist)",
        "-f FILE|DIR|- [flags]", Flags, ctx => RunAsync(ctx, createOnly: true));

    private enum Action { Create, Update, Unchanged }

    private sealed record Step(ManifestDoc Doc, Action Action, JsonObject Body);

    private static async Task<int> RunAsync(CliContext ctx, bool createOnly)
    {
        var a = ctx.Args;
        if (a.Positionals.Count > 0)
            throw new UsageException($"unexpected argument \"{a.Positionals[0]}\": manifests are given with -f FILE");
        var dryRun = a.Value("dry-run") switch
        {
            null or "none" or "false" => "",
            "client" => "client",
            "server" => "server",
            var v => throw new UsageException($"invalid --dry-run value \"{v}\": use none, client or server"),
        };
        var output = a.Value("output");
        if (output is not (null or "yaml" or "json" or "name"))
            throw new UsageException($"unsupported output format \"{output}\" for {ctx.Command}: use yaml, json or name");
        var verb = createOnly ? "create" : "apply";

        var sources = ManifestSources.Read(a.Values("filename"), a.Bool("recursive"), ctx.In);
        var (docs, loadErrors) = ManifestDocs.Load(sources, ctx.Namespace, ctx.NamespaceExplicit);
        int total = docs.Count + loadErrors.Count;
        var tagged = new List<(int Seq, string Message)>(loadErrors);
        foreach (var d in docs)
            if (LocalErrors(d) is { } e) tagged.Add((d.Seq, $"{d.Label}: The {e}"));
        var errors = tagged.OrderBy(x => x.Seq).Select(x => x.Message).ToList();
        if (errors.Count > 0) return Fail(ctx, errors, total, verb);

        if (dryRun == "client")
        {
            foreach (var d in docs) Report(ctx, output, d, createOnly ? "created" : "configured", d.Object, " (dry run)");
            return 0;
        }

        // Server-side validation of every document before anything is written.
        var steps = new List<Step>();
        var namespacesInManifest = docs.Where(d => d.Api.Kind == "Namespace").Select(d => d.Name).ToHashSet();
        foreach (var d in docs)
        {
            try { steps.Add(await PlanAsync(ctx, d, createOnly)); }
            catch (ApiException e) when (e.IsNotFound && d.Namespace is not null && namespacesInManifest.Contains(d.Namespace)
                                         && e.Status.Details?.Kind is "namespaces" or "Namespace")
            {
                // Its namespace comes earlier in this manifest: the server cannot dry-run it yet,
                // and the local checks above already passed.
                steps.Add(new Step(d, Action.Create, Body(d, createOnly)));
            }
            catch (ApiException e)
            {
                errors.Add(e.IsInvalid ? $"{d.Label}: The {e.Status.Message}" : $"{d.Label}: {Errors.FromServer(e)}");
            }
        }
        if (errors.Count > 0) return Fail(ctx, errors, docs.Count, verb);

        if (dryRun == "server")
        {
            foreach (var s in steps) Report(ctx, output, s.Doc, Word(s.Action), s.Body, " (server dry run)");
            return 0;
        }

        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            try
            {
                var result = await ExecuteAsync(ctx, s, createOnly);
                Report(ctx, output, s.Doc, Word(s.Action), result, "");
            }
            catch (ApiException e)
            {
                var msg = e.IsInvalid ? $"error: {s.Doc.Label}: The {e.Status.Message}" : Errors.FromServer(e, $"error when {verb[..^1]}ing {s.Doc.Label}");
                ctx.Err.WriteLine(msg);
                if (i + 1 < steps.Count)
                    ctx.Err.WriteLine($"error: stopped: {steps.Count - i - 1} later document(s) were not applied ({string.Join(", ", steps.Skip(i + 1).Select(x => x.Doc.Display))})");
                return 1;
            }
        }
        return 0;
    }

    private static int Fail(CliContext ctx, List<string> errors, int total, string verb)
    {
        foreach (var e in errors) ctx.Err.WriteLine(e.StartsWith("error:", StringComparison.Ordinal) || e.StartsWith("Error from server", StringComparison.Ordinal) ? e : "error: " + e);
        ctx.Err.WriteLine($"error: nothing was {(verb == "apply" ? "applied" : "created")}: {errors.Count} problem(s) in {total} document(s)");
        return 1;
    }

    private static string Word(Action a) => a switch { Action.Create => "created", Action.Update => "configured", _ => "unchanged" };

    private static void Report(CliContext ctx, string? output, ManifestDoc d, string word, JsonObject obj, string suffix)
    {
        switch (output)
        {
            case "yaml": ctx.Out.Write(Output.YamlWriter.Write(obj)); ctx.Out.WriteLine("---"); break;
            case "json": ctx.Out.Write(Output.ObjectPrinter.Json(obj)); break;
            case "name": ctx.Out.WriteLine(d.Display); break;
            default: ctx.Out.WriteLine($"{d.Display} {word}{suffix}"); break;
        }
    }

    private static JsonObject Body(ManifestDoc d, bool createOnly) => createOnly ? (JsonObject)d.Object.DeepClone() : ApplyMerge.WithLastApplied(d.Object);

    /// <summary>Local validation (defaulting first, as the server does) for documents the server
    /// cannot dry-run; returns the Kubernetes-style message or null.</summary>
    private static string? LocalErrors(ManifestDoc d)
    {
        var copy = (JsonObject)d.Object.DeepClone();
        Defaults.Apply(d.Api, copy);
        var errs = ObjectValidator.Validate(d.Api, copy);
        if (errs.Count == 0) return null;
        return $"{d.Api.Kind} \"{d.Name}\" is invalid: {FieldErrors.Aggregate(errs)}";
    }

    private static async Task<Step> PlanAsync(CliContext ctx, ManifestDoc d, bool createOnly)
    {
        var live = await ctx.Api.TryGetAsync(d.Api, d.Namespace, d.Name, ctx.Cancel);
        if (live is null)
        {
            var body = Body(d, createOnly);
            await ctx.Api.CreateAsync(body, dryRun: true, ctx.Cancel);
            return new Step(d, Action.Create, body);
        }
        if (createOnly)
            throw new ApiException(System.Net.HttpStatusCode.Conflict, new Podnet.Api.Models.Status
            {
                Outcome = "Failure", Reason = "AlreadyExists", Code = 409,
                Message = $"{d.Type.QualifiedPlural} \"{d.Name}\" already exists",
            });
        var merged = Merged(d, live);
        if (Podnet.Api.Json.KubeJson.DeepEquals(merged, live)) return new Step(d, Action.Unchanged, live);
        await ctx.Api.UpdateAsync(merged, dryRun: true, ctx.Cancel);
        return new Step(d, Action.Update, merged);
    }

    private static JsonObject Merged(ManifestDoc d, JsonObject live)
    {
        live["apiVersion"] ??= d.Api.ApiVersion;
        live["kind"] ??= d.Api.Kind;
        var merged = ApplyMerge.Merge(live, ApplyMerge.LastApplied(live), ApplyMerge.WithLastApplied(d.Object));
        if (merged["metadata"] is JsonObject m) m["resourceVersion"] = live["metadata"]?["resourceVersion"]?.DeepClone();
        return merged;
    }

    private static async Task<JsonObject> ExecuteAsync(CliContext ctx, Step s, bool createOnly)
    {
        switch (s.Action)
        {
            case Action.Unchanged: return s.Body;
            case Action.Create: return await ctx.Api.CreateAsync(s.Body, dryRun: false, ctx.Cancel);
        }
        // An update raced with a controller's write: merge again onto the fresh object.
        return await ApiRetry.OnConflictAsync(async attempt =>
        {
            var body = attempt == 0 ? s.Body : Merged(s.Doc, await ctx.Api.GetAsync(s.Doc.Api, s.Doc.Namespace, s.Doc.Name, ctx.Cancel));
            return await ctx.Api.UpdateAsync(body, dryRun: false, ctx.Cancel);
        }, ctx.Cancel, attempts: 5);
    }
}
