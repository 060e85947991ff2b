using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;

namespace Podnet.Lab.Tests.Lab;

/// <summary>One 3-node lab running examples/cafe, shared by the tests of <see cref="CafeLabTests"/>.</summary>
public sealed class CafeLabFixture : IAsyncLifetime
{
    public TestLab Lab { get; } = new();
    public List<JsonObject> Pods { get; private set; } = [];
    public List<JsonObject> Nodes { get; private set; } = [];
    public const int CafePods = 6; // coffee ×2, tea ×3, client

    public async Task InitializeAsync()
    {
        await Lab.UpAsync(3);
        await Lab.ApplyAsync("examples/cafe/cafe.yaml");
        Pods = await Lab.WaitForReadyPodsAsync(CafePods, TimeSpan.FromSeconds(60));
        Nodes = (await Lab.Api.ListAsync(ApiResources.Nodes)).Items.ToList();
    }

    public async Task DisposeAsync() => await Lab.DisposeAsync();

    public string NetnsOf(JsonObject pod) => Lab.Names.PodNetns(pod.Uid()!);
}

[CollectionDefinition("cafe")]
public sealed class CafeCollection : ICollectionFixture<CafeLabFixture>;
