using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
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

    /// <summary>Creates or replaces every policy through the <see cref="Applier"/> (all are dry-run
    /// first, so a rejected one changes nothing), adding into <paramref name="created"/> the policies
    /// that did not exist before (a cleanup removes them).</summary>
    public static async Task ApplyAsync(ApiClient api, IReadOnlyList<ManifestDoc> docs, List<(string Ns, string Name)> created,
        Action<string> progress, CancellationToken ct)
    {
        int written = 0;
        void Applied(ApplyResult r)
        {
            written++;
            var (ns, name) = (r.Object.Namespace()!, r.Object.Name()!);
            if (r.Action == ApplyAction.Created) created.Add((ns, name));
            progress($"{r.Action.ToString().ToLowerInvariant()} networkpolicy {ns}/{name}");
        }
        try { await Applier.ApplyAsync(api, [.. docs.Select(d => new ManifestDocument(d.Index, d.Object, d.Api))], applied: Applied, ct: ct); }
        catch (ApplyException e)
        {
            var errors = e.Failures.Select(f => $"error: {docs[f.Position].Label}: {(f.Error.IsInvalid ? "The " + f.Error.Status.Message : Errors.FromServer(f.Error))}");
            throw new CheckException(string.Join("\n", errors) + (written == 0
                ? $"\nerror: the API rejected {e.Failures.Count} of {docs.Count} policies: nothing was applied"
                : $"\nerror: {written} of {docs.Count} policies were applied before the API rejected this one"));
        }
    }
}
