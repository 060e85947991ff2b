using System.Net;
using System.Text.Json.Nodes;
using Podnet.Agent.Overlay.Config;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Api.Client;
using Podnet.Linux;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>The lease rules against the real API server: its resourceVersion preconditions are the CAS.</summary>
public class ApiLeaseStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private TestApi _api = null!;
    private ApiClient _client = null!;
    private ApiLeaseStore _store = null!;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        _api = await TestApi.StartAsync();
        _client = _api.Client();
        _store = new ApiLeaseStore(_client);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _client.Dispose();
        await _api.DisposeAsync();
    }

    private LeaseManager Manager(string min = "10.244.1.0", string max = "10.244.6.0") =>
        new(_store, NetworkConfig.Parse($$"""{"Network":"10.244.0.0/16","SubnetMin":"{{min}}","SubnetMax":"{{max}}"}"""), _clock, Ttl);

    private static LeaseRequest Req(string node, params string[] preferred) => new()
    {
        Node = node, PublicIp = IPAddress.Parse("192.168.80.1" + node.Last()), BackendType = "vxlan",
        VtepMac = MacAddress.Parse("02:00:00:00:00:0" + node.Last()), Preferred = preferred.Select(IPNetwork.Parse).ToList(),
    };

    [Fact]
    public async Task Lease_round_trips_through_the_api_as_a_SubnetLease()
    {
        var l = await Manager().AcquireAsync(Req("node-1", "10.244.3.0/24"), default);
        var o = await _client.GetAsync(LeaseJson.Resource, null, "10-244-3-0-24");
        Assert.Equal("podnet.io/v1", (string)o["apiVersion"]!);
        Assert.Equal("SubnetLease", (string)o["kind"]!);
        Assert.Equal("node-1", (string)o["spec"]!["node"]!);
        Assert.Equal("192.168.80.11", (string)o["spec"]!["publicIP"]!);
        Assert.Equal("02:00:00:00:00:01", (string)o["spec"]!["backendData"]!["vtepMAC"]!);
        var back = Assert.Single(await _store.ListAsync(default));
        Assert.Equal(l with { Expiration = back.Expiration }, back);
        Assert.True((back.Expiration - l.Expiration).Duration() < TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Stale_update_and_duplicate_create_are_conflicts()
    {
        var m = Manager();
        var l = await m.AcquireAsync(Req("node-1"), default);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var renewed = await m.RenewAsync(l, default);
        await Assert.ThrowsAsync<LeaseConflictException>(() => _store.UpdateAsync(l, default)); // old version
        await Assert.ThrowsAsync<LeaseConflictException>(() => _store.CreateAsync(l with { Node = "node-2" }, default));
        Assert.Equal("node-1", (await _store.GetAsync(l.Subnet, default))!.Node);
        Assert.NotEqual(l.ResourceVersion, renewed.ResourceVersion);
    }

    [Fact]
    public async Task Flannel_expired_lease_reuse_is_impossible_against_the_api()
    {
        var m = Manager("10.244.1.0", "10.244.2.0");
        var a = await m.AcquireAsync(Req("node-1"), default);
        _clock.Advance(Ttl + TimeSpan.FromSeconds(1));
        var b = await m.AcquireAsync(Req("node-2", a.Subnet.ToString()), default);
        Assert.Equal(a.Subnet, b.Subnet);
        await Assert.ThrowsAsync<LeaseLostException>(() => m.RenewAsync(a, default));
        Assert.False(await m.ReleaseAsync(a, default));
        var a2 = await m.AcquireAsync(Req("node-1", a.Subnet.ToString()), default);
        Assert.NotEqual(b.Subnet, a2.Subnet);
        Assert.Equal("node-2", (await _store.GetAsync(b.Subnet, default))!.Node);
    }

    [Fact]
    public async Task Concurrent_nodes_with_separate_clients_never_share_a_subnet()
    {
        var clients = Enumerable.Range(1, 8).Select(_ => _api.Client()).ToList();
        try
        {
            var cfg = NetworkConfig.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.6.0"}""");
            // Every node's outcome (subnet, "none" for a correct no-free-subnet answer, or the error)
            // goes into each assertion's message, so a failure under load says what happened.
            var got = await Task.WhenAll(clients.Select((c, i) => Task.Run(async () =>
            {
                string node = "node-" + (i + 1);
                var m = new LeaseManager(new ApiLeaseStore(c), cfg, _clock, Ttl);
                try { return (node, subnet: (string?)(await m.AcquireAsync(Req(node), default)).Subnet.ToString(), error: (string?)null); }
                catch (InvalidOperationException e) when (e.Message.Contains("no free subnet")) { return (node, subnet: null, error: null); }
                catch (Exception e) { return (node, subnet: null, error: $"{e.GetType().Name}: {e.Message}"); }
            })));
            var stored = await _store.ListAsync(default);
            string report = "outcomes: " + string.Join("; ", got.Select(g => $"{g.node} → {g.subnet ?? g.error ?? "none"}"))
                + " | stored: " + string.Join("; ", stored.Select(l => $"{l.Subnet} {l.Node} v{l.ResourceVersion}"));
            Assert.True(got.All(g => g.error is null), "a node failed: " + report);
            var ok = got.Where(g => g.subnet is not null).Select(g => g.subnet).ToList();
            Assert.True(ok.Count == 6, $"{ok.Count} nodes got a subnet, expected 6: " + report);
            Assert.True(ok.Distinct().Count() == 6, "a subnet was handed out twice: " + report);
            Assert.True(stored.Count == 6 && stored.Select(s => s.Node).Distinct().Count() == 6, "stored leases do not belong to 6 distinct nodes: " + report);
        }
        finally { clients.ForEach(c => c.Dispose()); }
    }

    [Fact]
    public async Task Malformed_lease_objects_are_ignored_not_routed()
    {
        await _client.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "podnet.io/v1", ["kind"] = "SubnetLease", ["metadata"] = new JsonObject { ["name"] = "junk" },
            ["spec"] = new JsonObject { ["subnet"] = "not-a-cidr", ["publicIP"] = "192.168.80.99" },
        });
        await Manager().AcquireAsync(Req("node-1"), default);
        var l = Assert.Single(await _store.ListAsync(default));
        Assert.Equal("node-1", l.Node);
    }

    [Fact]
    public async Task Watch_signals_lease_changes()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var first = _store.WaitForChangeAsync(cts.Token); // starts the informer (initial list may signal)
        await Task.Delay(300);
        var wait = _store.WaitForChangeAsync(cts.Token);
        await Manager().AcquireAsync(Req("node-1"), default);
        await wait;
    }
}
