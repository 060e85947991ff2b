using System.Text.Json.Nodes;
using Podnet.Api.Resources;
using Podnet.Cli.Apply;
using Podnet.Cli.Check;
using Podnet.Lab.Tests.Lab;

namespace Podnet.Lab.Tests.NetworkPolicy;

/// <summary>One 3-node lab with the conformance model (x/y/z × a/b/c, and a ClusterIP Service per
/// pod) built once through the same code as <c>podnet check</c>; each scenario applies its
/// policies, runs the full matrix with <see cref="CheckRunner"/> and removes its policies.</summary>
public sealed class NetpolLabFixture : IAsyncLifetime
{
    public TestLab Lab { get; } = new();
    public ConformanceModel Model { get; } = ConformanceModel.Standard;
    public Dictionary<string, string> PodIps { get; } = [];
    public Dictionary<string, string> PodNodes { get; } = [];
    public List<string> Progress { get; } = [];

    public async Task InitializeAsync()
    {
        await Lab.UpAsync(3);
        var setup = new ModelSetup(Lab.Api, Model, Progress.Add);
        await setup.EnsureNamespacesAsync(default);
        await setup.EnsurePodsAsync(services: true, default);
        foreach (var p in await setup.WaitReadyAsync(TimeSpan.FromSeconds(90), default))
        {
            PodIps[$"{p.Metadata.Namespace}/{p.Metadata.Name}"] = p.Status!.PodIP!;
            PodNodes[$"{p.Metadata.Namespace}/{p.Metadata.Name}"] = p.Spec.NodeName!;
        }
    }

    public async Task DisposeAsync() => await Lab.DisposeAsync();

    public CheckRunner Runner(bool viaService = false) => new(Lab.Api, Lab.Name, Model)
    {
        // Generous for a loaded CI machine: differing cells are re-probed this long.
        RetryFor = TimeSpan.FromSeconds(10), ViaService = viaService, Progress = Progress.Add,
    };

    /// <summary>Creates or replaces the policies of a manifest, through podnet check's own loader.</summary>
    public async Task ApplyAsync(string yaml)
    {
        var docs = PolicyFiles.Load([new ManifestSource("scenario", yaml)], "x", false, Model);
        await PolicyFiles.ApplyAsync(Lab.Api, docs, [], Progress.Add, default);
    }

    public async Task DeletePoliciesAsync()
    {
        foreach (var ns in Model.Namespaces)
            foreach (var np in (await Lab.Api.ListAsync(ApiResources.NetworkPolicies, ns)).Items)
                await Lab.Api.DeleteAsync(ApiResources.NetworkPolicies, ns, np!["metadata"]!["name"]!.GetValue<string>());
    }

    /// <summary>Applies the policies, runs the whole matrix, removes the policies.</summary>
    public async Task<CheckResult> CheckAsync(string yaml, bool viaService = false)
    {
        try
        {
            if (yaml.Length > 0) await ApplyAsync(yaml);
            return await Runner(viaService).RunAsync(default);
        }
        finally { await DeletePoliciesAsync(); }
    }

    public async Task LabelPodAsync(string pod, string key, string? value)
    {
        var (ns, name) = (pod[..pod.IndexOf('/')], pod[(pod.IndexOf('/') + 1)..]);
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } };
        await Lab.Api.PatchAsync(ApiResources.Pods, ns, name, patch);
    }

    public async Task LabelNamespaceAsync(string ns, string key, string? value)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } };
        await Lab.Api.PatchAsync(ApiResources.Namespaces, null, ns, patch);
    }
}

[CollectionDefinition("netpol")]
public sealed class NetpolCollection : ICollectionFixture<NetpolLabFixture>;
