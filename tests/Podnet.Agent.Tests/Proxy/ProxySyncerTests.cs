using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Tests.Proxy;

public sealed class ProxySyncerTests
{
    private static readonly ProxyConfig Cfg = new() { ClusterCidr = IPNetwork.Parse("10.244.0.0/16") };
    private static readonly NftTable T = new(NftFamily.Ip, "podnet-proxy");

    internal static ServicePortInfo Svc(int i, ushort port = 80, byte proto = ProxyProtocols.Tcp, ushort? nodePort = null,
        bool etpLocal = false, bool itpLocal = false, TimeSpan? affinity = null, string ns = "default")
        => new(new ServicePortName(ns, $"svc{i}", $"p{port}", proto), IPAddress.Parse($"10.96.{i / 250}.{i % 250 + 1}"), port,
            NodePort: nodePort, ExternalPolicyLocal: etpLocal, InternalPolicyLocal: itpLocal, AffinityTimeout: affinity);

    internal static EndpointInfo Ep(string ip, ushort port = 8080, bool ready = true, bool local = false, bool terminating = false, bool serving = true)
        => new(IPAddress.Parse(ip), port, ready, serving, terminating, local);

    private static byte[] Key(ServicePortInfo s) => NftKey.AddrProtoPort(s.ClusterIP!, s.Name.Protocol, s.Port);
    private static byte[] NodeKey(ushort port) => NftKey.Concat(NftKey.Proto(ProxyProtocols.Tcp), NftKey.Port(port));

    /// <summary>The endpoint list of a key, "address/port" in index order, found through its count set.</summary>
    private static List<string> List(NftFake f, string d, bool cs, byte[] key)
    {
        var n = Enumerable.Range(1, 128).FirstOrDefault(i => f.Element(T, Count(d, cs, i), key) is not null);
        return Enumerable.Range(0, n).Select(i =>
        {
            var data = f.Element(T, Endpoints(d, cs), ProxyData.Indexed(key, i))!.Data!;
            return $"{new IPAddress(data[..4])}/{data[4] << 8 | data[5]}";
        }).ToList();
    }

    private static bool OnlyElements(NftTransaction tx) => tx.Commands.All(c => c is NftAddElements or NftDeleteElements);

    [Fact]
    public void AServiceIsOnlySetAndMapElements()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var s = Svc(1);
        p.SetService(s, [Ep("10.244.2.2"), Ep("10.244.1.2")]);
        Assert.True(p.Sync());

        Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(s)));
        Assert.NotNull(fake.Element(T, Count(Ip, false, 2), Key(s)));
        Assert.Equal(["10.244.1.2/8080", "10.244.2.2/8080"], List(fake, Ip, false, Key(s)));
        Assert.Null(fake.Element(T, NoEndpointIpsSet, Key(s)));
        // ip-pick: "key @ip-count-2 dnat ip to key . numgen random mod 2 map @ip-endpoints".
        var pick = fake.RulesOf(T, Pick(Ip, false))[1];
        Assert.Contains(pick.Expressions, e => e is NftLookup { Set: var set } && set == Count(Ip, false, 2));
        Assert.Equal(2u, pick.Expressions.OfType<NftNumgen>().Single().Modulus);
        Assert.Contains(pick.Expressions, e => e is NftLookup { Set: var set } && set == Endpoints(Ip, false));
        Assert.Equal(NftNatType.Dnat, pick.Expressions.OfType<NftNat>().Single().Type);
        // Hairpin: each endpoint may reach itself through the service.
        Assert.NotNull(fake.Element(T, HairpinSet, ProxyData.Hairpin(IPAddress.Parse("10.244.1.2"))));
    }

    [Fact]
    public void ServiceWithoutEndpointsRejectsAndGetsTrafficOnceAnEndpointAppears()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var s = Svc(1);
        p.SetService(s, []);
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, NoEndpointIpsSet, Key(s)));
        Assert.Null(fake.Element(T, ClusterIpsSet, Key(s)));
        Assert.Contains(fake.RulesOf(T, EndpointsCheck), r => r.Expressions.Any(e => e is NftLookup { Set: NoEndpointIpsSet }) && r.Expressions[^1] == NftMatch.Goto(Reject));

        p.SetService(s, [Ep("10.244.1.2", ready: false)]); // not ready: still nothing to send to
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, NoEndpointIpsSet, Key(s)));

        p.SetService(s, [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        Assert.Null(fake.Element(T, NoEndpointIpsSet, Key(s)));
        Assert.Equal(["10.244.1.2/8080"], List(fake, Ip, false, Key(s)));
    }

    [Fact]
    public void TerminatingEndpointsServeOnlyWhenNothingIsReady()
    {
        var eps = new[] { Ep("10.244.1.2"), Ep("10.244.1.3", ready: false, terminating: true) };
        Assert.Equal(["10.244.1.2/8080"], ServiceCompiler.Usable(eps, false).Select(e => e.ToString()));
        eps = [Ep("10.244.1.2", ready: false, terminating: true, serving: false), Ep("10.244.1.3", ready: false, terminating: true)];
        Assert.Equal(["10.244.1.3/8080"], ServiceCompiler.Usable(eps, false).Select(e => e.ToString()));
        eps = [Ep("10.244.1.2", local: true), Ep("10.244.1.3")];
        Assert.Equal(["10.244.1.2/8080"], ServiceCompiler.Usable(eps, true).Select(e => e.ToString()));
    }

    [Fact]
    public void AddingOneServiceAmongManySendsOnlyItsElements()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 200; i++) p.SetService(Svc(i), [Ep($"10.244.{i / 200}.{i % 200 + 2}"), Ep($"10.244.{i / 200 + 1}.{i % 200 + 2}")]);
        Assert.True(p.Sync());

        p.SetService(Svc(500), [Ep("10.244.9.9"), Ep("10.244.9.10")]);
        Assert.True(p.Sync());
        var tx = fake.Applied[^1];
        // No rule and no chain: the kernel has nothing to re-validate.
        Assert.True(OnlyElements(tx), string.Join(", ", tx.Commands.Select(c => c.GetType().Name)));
        var added = tx.Commands.OfType<NftAddElements>().ToDictionary(a => a.Set, a => a.Elements.Count);
        Assert.Equal(new Dictionary<string, int> { [ClusterIpsSet] = 1, [Count(Ip, false, 2)] = 1, [Endpoints(Ip, false)] = 2, [HairpinSet] = 2 }, added);

        // Nothing changed: nothing is sent.
        int before = fake.Applied.Count;
        p.SetService(Svc(500), [Ep("10.244.9.9"), Ep("10.244.9.10")]);
        Assert.True(p.Sync());
        Assert.Equal(before, fake.Applied.Count);
    }

    [Fact]
    public void AnEndpointChangeReplacesOnlyThatListSlot()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 50; i++) p.SetService(Svc(i), [Ep($"10.244.1.{i + 2}"), Ep($"10.244.2.{i + 2}")]);
        Assert.True(p.Sync());

        p.SetService(Svc(7), [Ep("10.244.1.9"), Ep("10.244.3.9")]);
        Assert.True(p.Sync());
        var tx = fake.Applied[^1];
        Assert.True(OnlyElements(tx));
        // Slot 1 is replaced (delete + add in one transaction); the count set is untouched.
        Assert.Equal([Convert.ToHexString(ProxyData.Indexed(Key(Svc(7)), 1))],
            tx.Commands.OfType<NftAddElements>().Where(a => a.Set == Endpoints(Ip, false)).SelectMany(a => a.Elements).Select(e => e.KeyHex));
        Assert.DoesNotContain(tx.Commands, c => c is NftAddElements { Set: var set } && set.Contains("count"));
        Assert.Equal(["10.244.1.9/8080", "10.244.3.9/8080"], List(fake, Ip, false, Key(Svc(7))));
        Assert.Null(fake.Element(T, HairpinSet, ProxyData.Hairpin(IPAddress.Parse("10.244.2.9"))));

        // Fewer endpoints: the key moves to the count set of 1 with the list, in the same transaction.
        p.SetService(Svc(7), [Ep("10.244.3.9")]);
        Assert.True(p.Sync());
        Assert.Equal(["10.244.3.9/8080"], List(fake, Ip, false, Key(Svc(7))));
        Assert.Null(fake.Element(T, Count(Ip, false, 2), Key(Svc(7))));
        Assert.Null(fake.Element(T, Endpoints(Ip, false), ProxyData.Indexed(Key(Svc(7)), 1)));
    }

    [Fact]
    public void DeletingServicesLeavesOnlyTheSkeleton()
    {
        var fake = new NftFake();
        var logs = new List<string>();
        var p = new ProxySyncer(fake, Cfg, logs.Add);
        p.SetService(Svc(1, nodePort: 30080, affinity: TimeSpan.FromMinutes(5)), [Ep("10.244.1.2"), Ep("10.244.2.2")]);
        p.SetService(Svc(2), [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        Assert.Contains(Affinity(Svc(1).Name, Ep("10.244.1.2")), fake.List(T)!.Sets.Keys);
        var empty = new NftFake();
        new ProxySyncer(empty, Cfg).Sync();

        p.DeleteService(Svc(1).Name);
        p.DeleteService(Svc(2).Name);
        Assert.True(p.Sync(), string.Join("\n", logs));
        var state = fake.List(T)!;
        Assert.Equal(empty.List(T)!.Chains.Keys.Order(), state.Chains.Keys.Order());
        Assert.Equal(empty.List(T)!.Sets.Keys.Order(), state.Sets.Keys.Order());
        Assert.All(state.Elements.Values, Assert.Empty);
    }

    [Fact]
    public void NodePortsAndExternalTrafficPolicyLocal()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var cluster = Svc(1, nodePort: 30001);
        var local = Svc(2, nodePort: 30002, etpLocal: true);
        var noLocal = Svc(3, nodePort: 30003, etpLocal: true);
        var none = Svc(4, nodePort: 30004);
        p.SetService(cluster, [Ep("10.244.2.2")]);
        p.SetService(local, [Ep("10.244.1.2", local: true), Ep("10.244.2.3")]);
        p.SetService(noLocal, [Ep("10.244.2.4")]);
        p.SetService(none, []);
        Assert.True(p.Sync());

        Assert.NotNull(fake.Element(T, NodePortsSet, NodeKey(30001))); // masquerades
        Assert.Equal(["10.244.2.2/8080"], List(fake, Np, false, NodeKey(30001)));
        // Local: external clients get the local endpoint only; pods and the node the cluster side.
        Assert.NotNull(fake.Element(T, NodePortsLocalSet, NodeKey(30002)));
        Assert.Equal(["10.244.1.2/8080"], List(fake, Np, false, NodeKey(30002)));
        Assert.Equal(["10.244.1.2/8080", "10.244.2.3/8080"], List(fake, Np, true, NodeKey(30002)));
        // Local without a local endpoint: no list (external clients dropped), not a reject.
        Assert.NotNull(fake.Element(T, NodePortsLocalSet, NodeKey(30003)));
        Assert.Empty(List(fake, Np, false, NodeKey(30003)));
        Assert.Equal(["10.244.2.4/8080"], List(fake, Np, true, NodeKey(30003)));
        Assert.Null(fake.Element(T, NoEndpointNodePortsSet, NodeKey(30003)));
        // No endpoint at all: reject.
        Assert.NotNull(fake.Element(T, NoEndpointNodePortsSet, NodeKey(30004)));
        Assert.Null(fake.Element(T, NodePortsSet, NodeKey(30004)));

        var ext = fake.RulesOf(T, Behaviour(Np, "external"));
        Assert.Contains(ext, r => r.Expressions.Any(e => e is NftMetaSet { Key: NftMetaKey.Mark }));
        var loc = fake.RulesOf(T, Behaviour(Np, "external-local"));
        // Only the node itself is masqueraded (as kube-proxy); other clients keep their address.
        Assert.Single(loc, r => r.Expressions.Any(e => e is NftMetaSet { Key: NftMetaKey.Mark }));
        Assert.Contains(loc, r => r.Expressions.Any(e => e is NftFib { Flags: NftFibFlags.Saddr }) && r.Expressions.Any(e => e is NftMetaSet));
        Assert.Equal(NftMatch.Drop, fake.RulesOf(T, Pick(Np, false))[^1].Expressions.Single());
    }

    [Fact]
    public void InternalTrafficPolicyLocalWithoutALocalEndpointDrops()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        p.SetService(Svc(1, itpLocal: true), [Ep("10.244.2.2")]);
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(Svc(1))));
        Assert.Empty(List(fake, Ip, false, Key(Svc(1))));
        Assert.Null(fake.Element(T, NoEndpointIpsSet, Key(Svc(1))));
        Assert.Equal(NftMatch.Drop, fake.RulesOf(T, Pick(Ip, false))[^1].Expressions.Single());
    }

    [Fact]
    public void SessionAffinityGetsChainsWithTheServiceTimeout()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var s = Svc(1, affinity: TimeSpan.FromSeconds(60));
        p.SetService(s, [Ep("10.244.1.2"), Ep("10.244.2.2")]);
        Assert.True(p.Sync());
        var set = fake.List(T)!.Sets[Affinity(s.Name, Ep("10.244.1.2"))];
        Assert.Equal(TimeSpan.FromSeconds(60), set.Timeout);
        Assert.Equal(NftVerdict.Goto(Service(s.Name)), fake.Element(T, AffinityIpsMap, Key(s))!.Verdict);
        Assert.Null(fake.Element(T, ClusterIpsSet, Key(s)));
        Assert.Contains(fake.RulesOf(T, Endpoint(s.Name, Ep("10.244.1.2"))), r => r.Expressions.Any(e => e is NftDynset));
        var svc = fake.RulesOf(T, Service(s.Name));
        Assert.Equal(2, svc.Count(r => r.Expressions.Any(e => e is NftLookup l && l.Set.StartsWith("affinity-"))));

        // Dropping affinity turns it into elements and removes its chains.
        p.SetService(s with { AffinityTimeout = null }, [Ep("10.244.1.2"), Ep("10.244.2.2")]);
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(s)));
        Assert.Null(fake.Element(T, AffinityIpsMap, Key(s)));
        Assert.DoesNotContain(fake.List(T)!.Chains.Keys, c => c.Contains("svc1"));
    }

    [Fact]
    public void ALongEndpointListGrowsThePickChainOnce()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        p.SetService(Svc(1), Enumerable.Range(2, 40).Select(i => Ep($"10.244.1.{i}")).ToList());
        Assert.True(p.Sync());
        Assert.Equal(64, p.Shape.MaxCount);
        Assert.Equal(65, fake.RulesOf(T, Pick(Ip, false)).Count);
        Assert.Equal(40, List(fake, Ip, false, Key(Svc(1))).Count);
        // Another big one fits: elements only.
        p.SetService(Svc(2), Enumerable.Range(2, 50).Select(i => Ep($"10.244.2.{i}")).ToList());
        Assert.True(p.Sync());
        Assert.True(OnlyElements(fake.Applied[^1]));
    }

    [Fact]
    public void LoadBalancerSourceRangesGuardOnlyTheLoadBalancerAddresses()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var lb = Svc(1, nodePort: 30080) with
        {
            LoadBalancerIPs = [IPAddress.Parse("192.0.2.10")],
            ExternalIPs = [IPAddress.Parse("192.0.2.20")],
            LoadBalancerSourceRanges = [IPNetwork.Parse("203.0.113.0/24")],
        };
        p.SetService(lb, [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, FirewallIpsSet, NftKey.AddrProtoPort(IPAddress.Parse("192.0.2.10"), 6, 80)));
        Assert.Null(fake.Element(T, FirewallIpsSet, NftKey.AddrProtoPort(IPAddress.Parse("192.0.2.20"), 6, 80)));
        var (start, end) = ProxyData.SourceRange(IPAddress.Parse("192.0.2.10"), 6, 80, IPNetwork.Parse("203.0.113.0/24"));
        var allow = fake.Element(T, FirewallAllowSet, start)!;
        Assert.Equal(Convert.ToHexString(end), Convert.ToHexString(allow.KeyEnd!));
        Assert.EndsWith("CB0071FF", Convert.ToHexString(end)); // 203.0.113.255
        Assert.NotNull(fake.Element(T, ExternalIpsSet, NftKey.AddrProtoPort(IPAddress.Parse("192.0.2.10"), 6, 80)));

        p.SetService(lb with { LoadBalancerSourceRanges = [] }, [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        Assert.Null(fake.Element(T, FirewallIpsSet, NftKey.AddrProtoPort(IPAddress.Parse("192.0.2.10"), 6, 80)));
        Assert.Null(fake.Element(T, FirewallAllowSet, start));
    }

    [Fact]
    public void HairpinEntriesAreSharedBetweenServices()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var key = ProxyData.Hairpin(IPAddress.Parse("10.244.1.2"));
        p.SetService(Svc(1), [Ep("10.244.1.2")]);
        p.SetService(Svc(2, port: 81), [Ep("10.244.1.2", 9090)]);
        Assert.True(p.Sync());
        p.DeleteService(Svc(1).Name);
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, HairpinSet, key));
        p.DeleteService(Svc(2, port: 81).Name);
        Assert.True(p.Sync());
        Assert.Null(fake.Element(T, HairpinSet, key));
    }

    [Fact]
    public void AFailedSyncKeepsTheLastGoodStateAndIsRetried()
    {
        var fake = new NftFake();
        var logs = new List<string>();
        var p = new ProxySyncer(fake, Cfg, logs.Add);
        p.SetService(Svc(1), [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        p.SetService(Svc(2), [Ep("10.244.1.3")]);
        fake.FailNextWith = 22;
        Assert.False(p.Sync());
        Assert.Contains(logs, l => l.Contains("keeping the last good rules") && l.Contains("(EINVAL)"));
        Assert.Null(fake.Element(T, ClusterIpsSet, Key(Svc(2))));
        Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(Svc(1))));
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(Svc(2))));
    }

    [Fact]
    public void ConflictingServicesDoNotBlockEachOther()
    {
        var fake = new NftFake();
        var logs = new List<string>();
        var p = new ProxySyncer(fake, Cfg, logs.Add);
        var a = Svc(1);
        var b = Svc(1, ns: "other"); // same ClusterIP and port under another name
        p.SetService(a, [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        p.SetService(b, [Ep("10.244.1.3")]);
        p.SetService(Svc(2), [Ep("10.244.1.4")]);
        Assert.True(p.Sync());
        Assert.Equal(["10.244.1.2/8080"], List(fake, Ip, false, Key(a)));
        Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(Svc(2))));
        Assert.Contains(logs, l => l.Contains("skipped"));
    }

    [Fact]
    public void RestartReadsBackTheKernelAndRewritesNothingUnchanged()
    {
        var fake = new NftFake();
        var first = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 20; i++) first.SetService(Svc(i, nodePort: (ushort)(30000 + i), etpLocal: i % 2 == 0), [Ep($"10.244.1.{i + 2}", local: true), Ep($"10.244.2.{i + 2}")]);
        Assert.True(first.Sync());

        // A new process: same services except one changed and one removed while it was down.
        var second = new ProxySyncer(fake, Cfg);
        second.Restore();
        for (int i = 0; i < 19; i++)
            second.SetService(Svc(i, nodePort: (ushort)(30000 + i), etpLocal: i % 2 == 0), i == 3 ? [Ep("10.244.1.5", local: true), Ep("10.244.3.5")] : [Ep($"10.244.1.{i + 2}", local: true), Ep($"10.244.2.{i + 2}")]);
        Assert.True(second.Sync());
        var tx = fake.Applied[^1];
        Assert.True(OnlyElements(tx), string.Join(", ", tx.Commands.Select(c => c.GetType().Name)));
        Assert.Null(fake.Element(T, ClusterIpsSet, Key(Svc(19))));
        Assert.Null(fake.Element(T, NodePortsSet, NodeKey(30019)));
        Assert.Equal(["10.244.1.5/8080", "10.244.3.5/8080"], List(fake, Ip, false, Key(Svc(3))));
        // Only service 3's changed slot of its cluster list (its nodeport is policy Local: the cluster side too) and a hairpin.
        Assert.True(tx.Commands.OfType<NftAddElements>().Sum(a => a.Elements.Count) <= 3, string.Join(", ", tx.Commands.OfType<NftAddElements>().Select(a => $"{a.Set}:{a.Elements.Count}")));
        Assert.Equal(19 * 2, fake.List(T)!.Elements[Endpoints(Ip, false)].Count); // none left over

        // And a restart with nothing changed sends nothing at all.
        var third = new ProxySyncer(fake, Cfg);
        third.Restore();
        for (int i = 0; i < 19; i++)
            third.SetService(Svc(i, nodePort: (ushort)(30000 + i), etpLocal: i % 2 == 0), i == 3 ? [Ep("10.244.1.5", local: true), Ep("10.244.3.5")] : [Ep($"10.244.1.{i + 2}", local: true), Ep($"10.244.2.{i + 2}")]);
        int count = fake.Applied.Count;
        Assert.True(third.Sync());
        Assert.Equal(count, fake.Applied.Count);
    }

    [Fact]
    public void AHugeSyncIsSplitBetweenServicesNeverInsideOne()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg with { MaxServicePortsPerTransaction = 10 });
        for (int i = 0; i < 35; i++) p.SetService(Svc(i), [Ep($"10.244.1.{i + 2}"), Ep($"10.244.2.{i + 2}")]);
        Assert.True(p.Sync());
        Assert.Equal(4, fake.Applied.Count); // 36 units (skeleton first) in groups of 10
        Assert.Equal(36, p.LastSync.Units);
        foreach (var tx in fake.Applied)
        {
            // Every key counted in a transaction has its whole endpoint list in the same transaction.
            var slots = tx.Commands.OfType<NftAddElements>().Where(a => a.Set == Endpoints(Ip, false)).SelectMany(a => a.Elements).Select(e => e.KeyHex).ToHashSet();
            foreach (var key in tx.Commands.OfType<NftAddElements>().Where(a => a.Set == Count(Ip, false, 2)).SelectMany(a => a.Elements))
                for (int i = 0; i < 2; i++) Assert.Contains(Convert.ToHexString(ProxyData.Indexed(key.Key, i)), slots);
        }
        for (int i = 0; i < 35; i++) Assert.NotNull(fake.Element(T, ClusterIpsSet, Key(Svc(i))));
    }

    [Fact]
    public void ARestartOverThePreviousPerServiceLayoutReplacesItInOneTransaction()
    {
        // What the earlier proxy left: verdict maps pointing at a chain per service.
        var fake = new NftFake();
        var old = new NftTransaction().AddTable(T)
            .AddChain(new NftChain(T, "nat-prerouting", new NftBaseChain(NftChainType.Nat, NftHook.Prerouting, NftBaseChain.DstNat)))
            .AddChain(new NftChain(T, Services)).AddChain(new NftChain(T, "service-default/svc1/tcp/p80"))
            .AddSet(new NftSet(T, "service-ips", ProxyData.AddrProtoPort, NftDataType.Verdict))
            .AddSet(new NftSet(T, "firewall-ips", ProxyData.AddrProtoPort, NftDataType.Verdict))
            .AddRule(T, "nat-prerouting", null, NftMatch.Jump(Services))
            .AddRule(T, Services, "podnet:old", NftMatch.DaddrProtoDportVmap("service-ips"))
            .AddRule(T, "service-default/svc1/tcp/p80", "podnet:old", NftMatch.DnatTo(IPAddress.Parse("10.244.1.2"), 8080))
            .AddElements(T, "service-ips", [new NftElement(Key(Svc(1)), NftVerdict.Goto("service-default/svc1/tcp/p80"))]);
        fake.Apply(old);

        var p = new ProxySyncer(fake, Cfg);
        p.Restore();
        p.SetService(Svc(1), [Ep("10.244.1.2")]);
        int before = fake.Applied.Count;
        Assert.True(p.Sync());
        Assert.Equal(before + 1, fake.Applied.Count); // one atomic switch
        var state = fake.List(T)!;
        Assert.DoesNotContain("service-ips", state.Sets.Keys);
        Assert.DoesNotContain("firewall-ips", state.Sets.Keys);
        Assert.DoesNotContain("service-default/svc1/tcp/p80", state.Chains.Keys);
        Assert.Equal(["10.244.1.2/8080"], List(fake, Ip, false, Key(Svc(1))));
    }
}
