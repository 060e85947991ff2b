using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;

namespace Podnet.Cli.Check;

/// <summary>Brings the conformance model up in a lab (creating only what is missing, so it also
/// works on a model kept from an earlier run) and removes exactly what it created.</summary>
public sealed class ModelSetup(ApiClient api, ConformanceModel model, Action<string> progress)
{
    private readonly List<string> _namespaces = [];
    private readonly List<(ApiResource Type, string Ns, string Name)> _objects = [];

    public IReadOnlyList<string> CreatedNamespaces => _namespaces;
    public bool CreatedAnything => _namespaces.Count + _objects.Count > 0;

    public async Task EnsureNamespacesAsync(CancellationToken ct)
    {
        var missing = new List<string>();
        foreach (var ns in model.Namespaces)
            if (await api.TryGetAsync(ApiResources.Namespaces, null, ns, ct) is null) missing.Add(ns);
        if (missing.Count > 0) progress($"creating namespaces {string.Join(", ", missing)}");
        foreach (var ns in missing)
        {
            await api.CreateAsync(model.NamespaceObject(ns), ct: ct);
            _namespaces.Add(ns);
        }
    }

    /// <summary>Creates the pods (and with <paramref name="services"/> their Services) that do not
    /// exist yet; an existing pod must be a model pod (it serves the model's named ports).</summary>
    public async Task EnsurePodsAsync(bool services, CancellationToken ct)
    {
        var created = new List<string>();
        foreach (var ns in model.Namespaces)
            foreach (var pod in model.PodNames)
            {
                var live = await api.TryGetAsync(ApiResources.Pods, ns, pod, ct);
                if (live is null)
                {
                    await api.CreateAsync(model.PodObject(ns, pod), ct: ct);
                    Record(ApiResources.Pods, ns, pod);
                    created.Add($"{ns}/{pod}");
                }
                else CheckModelPod(KubeJson.As<Pod>(live));
                if (services && await api.TryGetAsync(ApiResources.Services, ns, ConformanceModel.ServiceName(ns, pod), ct) is null)
                {
                    await api.CreateAsync(model.ServiceObject(ns, pod), ct: ct);
                    Record(ApiResources.Services, ns, ConformanceModel.ServiceName(ns, pod));
                }
            }
        if (created.Count > 0) progress($"created pods {string.Join(" ", created)}");
    }

    private void Record(ApiResource type, string ns, string name)
    {
        if (!_namespaces.Contains(ns)) _objects.Add((type, ns, name));
    }

    private void CheckModelPod(Pod pod)
    {
        var names = pod.Spec.Containers.SelectMany(c => c.Ports ?? []).Select(p => p.Name).ToHashSet();
        foreach (var (port, proto) in model.Cases)
            if (!names.Contains(ConformanceModel.PortName(port, proto)))
                throw new CheckException($"pod \"{pod.Metadata.Namespace}/{pod.Metadata.Name}\" exists but is not a conformance-model pod " +
                    $"(it has no container port \"{ConformanceModel.PortName(port, proto)}\"): delete it, or run check in another lab");
    }

    /// <summary>Waits until every model pod is Running and Ready with an IP.</summary>
    public async Task<IReadOnlyList<Pod>> WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        int lastReady = -1;
        var wanted = model.Pods.ToHashSet();
        while (true)
        {
            var pods = new List<Pod>();
            foreach (var ns in model.Namespaces)
                pods.AddRange((await api.ListAsync<Pod>(ApiResources.Pods, ns, ct: ct)).Where(p => wanted.Contains($"{ns}/{p.Metadata.Name}")));
            var ready = pods.Where(p => p.IsReady && !p.IsTerminating && p.Status?.PodIP is { Length: > 0 }).ToList();
            if (ready.Count == wanted.Count) return ready;
            if (ready.Count != lastReady) progress($"waiting for pods: {ready.Count}/{wanted.Count} Ready");
            lastReady = ready.Count;
            if (DateTime.UtcNow > deadline)
            {
                var notReady = pods.Where(p => !ready.Contains(p)).Select(p => $"{p.Metadata.Namespace}/{p.Metadata.Name} ({p.Status?.Phase ?? "Pending"}{(p.Status?.Message is { } m ? ": " + m : "")})");
                throw new CheckException($"the model's pods did not become Ready within {timeout.TotalSeconds:0} s: {string.Join(", ", notReady)} " +
                    "(podnet get pods -A, podnet describe pod NAME -n NS)");
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Removes what this run created: its namespaces (with everything in them), and its
    /// pods, services and policies in namespaces that existed before.</summary>
    public async Task CleanupAsync(IEnumerable<(string Ns, string Name)> createdPolicies, CancellationToken ct)
    {
        foreach (var (ns, name) in createdPolicies) Record(ApiResources.NetworkPolicies, ns, name);
        foreach (var (type, ns, name) in _objects)
            await DeleteAsync(type, ns, name, ct);
        if (_namespaces.Count > 0) progress($"removing namespaces {string.Join(", ", _namespaces)}");
        foreach (var ns in _namespaces)
            await DeleteAsync(ApiResources.Namespaces, null, ns, ct);
        _objects.Clear();
        _namespaces.Clear();
    }

    private async Task DeleteAsync(ApiResource type, string? ns, string name, CancellationToken ct)
    {
        try { await api.DeleteAsync(type, ns, name, type == ApiResources.Pods ? 0 : null, ct); }
        catch (ApiException e) when (e.IsNotFound) { }
    }
}
