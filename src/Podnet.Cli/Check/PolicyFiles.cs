using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Validation;
using Podnet.Cli.Apply;
using Podnet.ControlPlane.Server;

namespace Podnet.Cli.Check;

/// <summary>The policies a check applies: read from manifests (NetworkPolicy documents only, each
/// in a namespace of the model), validated before anything is written, then created or replaced.</summary>
public static class PolicyFiles
{
    /// <summary>Parses and checks locally; every problem names its document. Documents without a
    /// namespace go to <paramref name="defaultNs"/>.</summary>
    public static IReadOnlyList<ManifestDoc> Load(IReadOnlyList<ManifestSource> sources, string defaultNs, bool nsExplicit, ConformanceModel model)
    {
        var (docs, loadErrors) = ManifestDocs.Load(sources, defaultNs, nsExplicit);
        var errors = loadErrors.Select(e => e.Message).ToList();
        foreach (var d in docs)
        {
            if (d.Api != ApiResources.NetworkPolicies)
                errors.Add($"{d.Label}: podnet check applies NetworkPolicy objects only (this is a {d.Api.Kind})");
            else if (!model.Namespaces.Contains(d.Namespace!))
                errors.Add($"{d.Label}: namespace \"{d.Namespace}\" is not one of the model's ({string.Join(", ", model.Namespaces)}): the policy could not select any of its pods");
            else
            {
                var copy = (JsonObject)d.Object.DeepClone();
                Defaults.Apply(d.Api, copy);
                var errs = ObjectValidator.Validate(d.Api, copy);
                if (errs.Count > 0) errors.Add($"{d.Label}: The NetworkPolicy \"{d.Name}\" is invalid: {FieldErrors.Aggregate(errs)}");
            }
        }
        if (errors.Count > 0)
            throw new CheckException(string.Join("\n", errors.Select(e => "error: " + e)) + $"\nerror: nothing was checked: {errors.Count} problem(s) in the policy files");
        return docs;
    }

    /// <summary>Asks the API to accept every policy (dry run), then creates or replaces each, adding
    /// into <paramref name="created"/> the policies that did not exist before (a cleanup removes them).</summary>
    public static async Task ApplyAsync(ApiClient api, IReadOnlyList<ManifestDoc> docs, List<(string Ns, string Name)> created,
        Action<string> progress, CancellationToken ct)
    {
        var plan = new List<(ManifestDoc Doc, JsonObject Body, bool Create)>();
        var errors = new List<string>();
        foreach (var d in docs)
        {
            var body = (JsonObject)d.Object.DeepClone();
            try
            {
                var live = await api.TryGetAsync(d.Api, d.Namespace, d.Name, ct);
                if (live is not null) body.Metadata()["resourceVersion"] = live.ResourceVersion();
                if (live is null) await api.CreateAsync(body, dryRun: true, ct);
                else await api.UpdateAsync(body, dryRun: true, ct);
                plan.Add((d, body, live is null));
            }
            catch (ApiException e)
            {
                errors.Add($"error: {d.Label}: {(e.IsInvalid ? "The " + e.Status.Message : Errors.FromServer(e))}");
            }
        }
        if (errors.Count > 0)
            throw new CheckException(string.Join("\n", errors) + $"\nerror: the API rejected {errors.Count} of {docs.Count} policies: nothing was applied");
        foreach (var (d, body, create) in plan)
        {
            if (create) { await api.CreateAsync(body, ct: ct); created.Add((d.Namespace!, d.Name)); }
            else await api.UpdateAsync(body, ct: ct);
            progress($"{(create ? "created" : "replaced")} networkpolicy {d.Namespace}/{d.Name}");
        }
    }
}
