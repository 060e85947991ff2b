using System.Net;
using Podnet.Agent.Overlay.Config;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux;

namespace Podnet.Agent.Tests.Overlay;

public class LeaseManagerTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly NetworkConfig Small = NetworkConfig.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.3.0"}""");
    private readonly MemoryLeaseStore _store = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private LeaseManager Manager(NetworkConfig? cfg = null) => new(_store, cfg ?? Small, _clock, Ttl);

    private static LeaseRequest Req(string node, params string[] preferred) => new()
    {
        Node = node, PublicIp = IPAddress.Parse("192.168.80." + (10 + node.Last() - '0')), BackendType = "vxlan",
        VtepMac = MacAddress.Parse("02:00:00:00:00:0" + node.Last()), Preferred = preferred.Select(IPNetwork.Parse).ToList(),
    };

    private Task<SubnetLease> Acquire(string node, params string[] preferred) => Manager().AcquireAsync(Req(node, preferred), default);

    [Fact]
    public async Task Acquire_claims_a_subnet_in_range_with_the_node_attributes()
    {
        var l = await Acquire("node-1");
        Assert.True(Small.IsLeasable(l.Subnet));
        Assert.Equal(("node-1", "192.168.80.11", "vxlan", "02:00:00:00:00:01"), (l.Node, l.PublicIp.ToString(), l.BackendType, l.VtepMac.ToString()));
        Assert.Equal(_clock.GetUtcNow() + Ttl, l.Expiration);
        Assert.NotNull(l.ResourceVersion);
    }

    [Theory]
    [InlineData(new string[0], "10.244.2.0/24", "10.244.2.0/24")]          // preferred and free: granted
    [InlineData(new[] { "node-9:10.244.2.0/24" }, "10.244.2.0/24", null)]   // held live by another: never
    [InlineData(new[] { "node-9:10.244.2.0/24:expired" }, "10.244.2.0/24", "10.244.2.0/24")] // expired: CAS takeover
    [InlineData(new string[0], "10.244.9.0/24", null)]                      // outside SubnetMin..Max: ignored
    [InlineData(new string[0], "10.244.2.0/25", null)]                      // wrong length: ignored
    public async Task Preferred_subnet_rules(string[] existing, string preferred, string? expected)
    {
        foreach (var e in existing)
        {
            var p = e.Split(':');
            _store.Put(new SubnetLease
            {
                Subnet = IPNetwork.Parse(p[1]), Node = p[0], PublicIp = IPAddress.Parse("192.168.80.99"), BackendType = "vxlan",
                Expiration = p.Length > 2 ? _clock.GetUtcNow() - TimeSpan.FromSeconds(1) : _clock.GetUtcNow() + Ttl,
            });
        }
        var l = await Acquire("node-1", preferred);
        if (expected is not null) Assert.Equal(IPNetwork.Parse(expected), l.Subnet);
        else Assert.NotEqual(IPNetwork.Parse(preferred), l.Subnet);
        var held = (await _store.ListAsync(default)).Where(x => x.IsLive(_clock.GetUtcNow())).ToList();
        Assert.Equal(held.Count, held.Select(x => x.Subnet).Distinct().Count());
    }

    [Fact]
    public async Task A_claim_accepted_but_not_yet_listed_is_waited_for_not_retried_until_the_attempts_run_out()
    {
        // All three subnets are taken; node-7's claim on .1 is not in lists for the next 25 reads
        // (more than the attempts an immediate retry loop would spend losing on it).
        foreach (var (node, subnet) in new[] { ("node-7", "10.244.1.0/24"), ("node-8", "10.244.2.0/24"), ("node-9", "10.244.3.0/24") })
            _store.Put(new SubnetLease
            {
                Subnet = IPNetwork.Parse(subnet), Node = node, PublicIp = IPAddress.Parse("192.168.80.99"), BackendType = "vxlan",
                Expiration = _clock.GetUtcNow() + Ttl,
            });
        _store.HideFromLists(IPNetwork.Parse("10.244.1.0/24"), 25);
        int writes = _store.Writes;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Acquire("node-1"));
        Assert.Contains("no free subnet", e.Message);
        Assert.Equal(writes, _store.Writes);
        Assert.True(_store.Lists > 25, $"gave up after {_store.Lists} lists");
        Assert.DoesNotContain(await _store.ListAsync(default), l => l.Node == "node-1");
    }

    [Fact]
    public async Task Restart_gets_the_previous_subnet_back_even_if_it_prefers_another()
    {
        var first = await Acquire("node-1");
        _clock.Advance(TimeSpan.FromMinutes(3));
        var other = Small.SubnetAt(0) == first.Subnet ? Small.SubnetAt(1) : Small.SubnetAt(0);
        var again = await Acquire("node-1", other.ToString());
        Assert.Equal(first.Subnet, again.Subnet);
        Assert.NotEqual(first.ResourceVersion, again.ResourceVersion);
        Assert.Equal(_clock.GetUtcNow() + Ttl, again.Expiration);
        Assert.Single(await _store.ListAsync(default));
    }

    [Fact]
    public async Task Renew_extends_and_keeps_the_subnet()
    {
        var m = Manager();
        var l = await m.AcquireAsync(Req("node-1"), default);
        Assert.Equal(l.Expiration - Ttl / 2, m.RenewAt(l));
        _clock.Advance(TimeSpan.FromMinutes(6));
        var r = await m.RenewAsync(l, default);
        Assert.Equal(l.Subnet, r.Subnet);
        Assert.Equal(_clock.GetUtcNow() + Ttl, r.Expiration);
    }

    /// <summary>
    /// flannel's expired-lease-reuse failure: node-1 is cut off past its TTL, node-2 is given the
    /// expired subnet, node-1 comes back. Here node-1's renewal must fail (it stops using the
    /// subnet), and a restarted node-1 that still remembers the subnet gets a different one.
    /// </summary>
    [Fact]
    public async Task Node_returning_after_expiry_cannot_reuse_a_reassigned_subnet()
    {
        var m = Manager(NetworkConfig.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.2.0"}"""));
        var a = await m.AcquireAsync(Req("node-1"), default);
        _clock.Advance(Ttl + TimeSpan.FromMinutes(1)); // node-1 offline: no renewals

        var b = await m.AcquireAsync(Req("node-2", a.Subnet.ToString()), default);
        Assert.Equal(a.Subnet, b.Subnet); // the expired subnet was legitimately reassigned

        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => m.RenewAsync(a, default));
        Assert.Contains("taken over by node node-2", lost.Message);
        Assert.Contains(a.Subnet.ToString(), lost.Message);

        var a2 = await m.AcquireAsync(Req("node-1", a.Subnet.ToString()), default); // restart, subnet.env says a.Subnet
        Assert.NotEqual(a.Subnet, a2.Subnet);
        var live = (await _store.ListAsync(default)).Where(l => l.IsLive(_clock.GetUtcNow())).ToList();
        Assert.Equal(new[] { ("node-1", a2.Subnet), ("node-2", b.Subnet) }.OrderBy(x => x.Item1),
            live.Select(l => (l.Node, l.Subnet)).OrderBy(x => x.Item1));
    }

    [Fact]
    public async Task Renewal_of_an_expired_lease_nobody_took_succeeds()
    {
        var m = Manager();
        var a = await m.AcquireAsync(Req("node-1"), default);
        _clock.Advance(Ttl * 2);
        var r = await m.RenewAsync(a, default);
        Assert.True(r.IsLive(_clock.GetUtcNow()));
    }

    [Fact]
    public async Task Losing_the_create_race_for_a_subnet_moves_on_to_another()
    {
        var cfg = NetworkConfig.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.2.0"}""");
        var m = Manager(cfg);
        // node-2 creates the very subnet node-1 is about to create.
        _store.BeforeWrite = l => _store.Put(l with { Node = "node-2", ResourceVersion = null });
        var a = await m.AcquireAsync(Req("node-1", "10.244.1.0/24"), default);
        Assert.Equal(IPNetwork.Parse("10.244.2.0/24"), a.Subnet);
        Assert.Equal("node-2", (await _store.GetAsync(IPNetwork.Parse("10.244.1.0/24"), default))!.Node);
    }

    [Fact]
    public async Task Losing_the_takeover_race_for_an_expired_lease_never_double_assigns()
    {
        var cfg = NetworkConfig.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.1.0"}""");
        var m = Manager(cfg);
        await m.AcquireAsync(Req("node-9"), default);
        _clock.Advance(Ttl * 2);
        // node-1 read the expired lease; node-2 takes it over first.
        _store.BeforeWrite = _ => m.AcquireAsync(Req("node-2"), default).GetAwaiter().GetResult();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => m.AcquireAsync(Req("node-1"), default));
        Assert.Contains("no free subnet in 10.244.0.0/16", e.Message);
        Assert.Equal("node-2", (await _store.GetAsync(IPNetwork.Parse("10.244.1.0/24"), default))!.Node);
    }

    [Fact]
    public async Task Concurrent_nodes_get_distinct_subnets_until_the_pool_is_empty()
    {
        var cfg = NetworkConfig.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.6.0"}""");
        var m = Manager(cfg);
        var tasks = Enumerable.Range(1, 8).Select(i => Task.Run(async () =>
        {
            try { return (await m.AcquireAsync(Req("node-" + i), default)).Subnet.ToString(); }
            catch (InvalidOperationException e) when (e.Message.Contains("no free subnet")) { return null; }
        })).ToArray();
        var got = (await Task.WhenAll(tasks)).Where(s => s is not null).ToList();
        Assert.Equal(6, got.Count);
        Assert.Equal(6, got.Distinct().Count());
    }

    [Fact]
    public async Task Release_frees_the_subnet_but_only_while_it_is_ours()
    {
        var m = Manager();
        var a = await m.AcquireAsync(Req("node-1"), default);
        Assert.True(await m.ReleaseAsync(a, default));
        var b = await m.AcquireAsync(Req("node-2", a.Subnet.ToString()), default);
        Assert.Equal(a.Subnet, b.Subnet);
        Assert.False(await m.ReleaseAsync(a, default)); // stale copy: must not free node-2's lease
        Assert.True((await _store.GetAsync(a.Subnet, default))!.IsLive(_clock.GetUtcNow()));
    }

    [Fact]
    public async Task Renew_after_the_object_was_deleted_reclaims_it_by_create()
    {
        var m = Manager();
        var a = await m.AcquireAsync(Req("node-1"), default);
        _store.Remove(a.Subnet);
        var r = await m.RenewAsync(a, default);
        Assert.Equal(("node-1", a.Subnet), (r.Node, r.Subnet));
    }
}
