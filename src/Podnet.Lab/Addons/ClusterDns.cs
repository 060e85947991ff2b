using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Resources;

namespace Podnet.Lab.Addons;

/// <summary>
/// Cluster DNS as Kubernetes deploys it: the <c>coredns</c> Deployment (here <c>podnet dns</c>) in
/// kube-system and the <c>kube-dns</c> Service at 10.96.0.10, from the embedded cluster-dns.yaml.
/// </summary>
public static class ClusterDns
{
    public const string ClusterIp = "10.96.0.10";
    public const string Namespace = "kube-system";
    public const string Selector = "k8s-app=kube-dns";
    public const int Replicas = 2;

    /// <summary>The manifest's objects, with <paramref name="upstream"/> ("none" or ADDR[:PORT],…) as the forwarder's upstream.</summary>
    public static IReadOnlyList<ManifestDocument> Manifest(string upstream)
    {
        using var s = typeof(ClusterDns).Assembly.GetManifestResourceStream("Podnet.Lab.Addons.cluster-dns.yaml")
            ?? throw new InvalidOperationException("cluster-dns.yaml is not embedded in Podnet.Lab");
        var docs = ManifestParser.Parse(new StreamReader(s).ReadToEnd(), "cluster-dns.yaml");
        foreach (var d in docs)
            foreach (var c in d.Object["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? [])
                if (c?["args"] is JsonArray args)
                    for (int i = 0; i + 1 < args.Count; i++)
                        if (args[i]?.GetValue<string>() == "--upstream") args[i + 1] = upstream;
        return docs;
    }

    /// <summary>Creates the Service and the Deployment (its pods start as soon as nodes are Ready).</summary>
    public static async Task CreateAsync(ApiClient api, string upstream, CancellationToken ct)
    {
        foreach (var d in Manifest(upstream)) await api.CreateAsync(d.Object, ct: ct);
    }

    /// <summary>Waits until the kube-dns Service has <see cref="Replicas"/> ready endpoints (every
    /// DNS pod synced with the API and Ready). <paramref name="check"/> runs while waiting and
    /// throws if a lab daemon died.</summary>
    public static async Task WaitReadyAsync(ApiClient api, TimeSpan timeout, Action check, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var sel = new ListOptions { LabelSelector = "kubernetes.io/service-name=kube-dns" };
        while (true)
        {
            var slices = await api.ListAsync(ApiResources.EndpointSlices, Namespace, sel, ct);
            int ready = slices.Items.Sum(s => (s["endpoints"] as JsonArray)?.Count(e => e?["conditions"]?["ready"]?.GetValue<bool>() == true) ?? 0);
            if (ready >= Replicas) return;
            check();
            if (DateTime.UtcNow > deadline)
            {
                var pods = await api.ListAsync(ApiResources.Pods, Namespace, new ListOptions { LabelSelector = Selector }, ct);
                throw new InvalidOperationException($"cluster DNS: {ready} of {Replicas} coredns pods ready within {timeout.TotalSeconds:0} s: "
                    + string.Join("; ", pods.Items.Select(p => $"{p.Name()} on {p.AtPath("spec.nodeName")}: {p.AtPath("status.phase")} {p.AtPath("status.message")}")));
            }
            await Task.Delay(20, ct);
        }
    }
}
