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

    [Fact]
    public void ServiceWithEndpointsDispatchesThroughItsChains()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var s = Svc(1);
        p.SetService(s, [Ep("10.244.1.2"), Ep("10.244.2.2")]);
        Assert.True(p.Sync());

        Assert.Equal(NftVerdict.Goto(Service(s.Name)), fake.Element(T, ServiceIpsMap, Key(s))!.Verdict);
        Assert.Null(fake.Element(T, NoEndpointServicesMap, Key(s)));
        var svcRules = fake.RulesOf(T, Service(s.Name));
        Assert.Equal(3, svcRules.Count); // masquerade from outside the cluster, then one rule per endpoint
        Assert.Equal(2u, Assert.IsType<NftNumgen>(svcRules[1].Expressions[0]).Modulus);
        Assert.Equal([NftVerdict.Goto(Endpoint(s.Name, Ep("10.244.1.2"))), NftVerdict.Goto(Endpoint(s.Name, Ep("10.244.2.2")))],
            svcRules.Skip(1).Select(r => r.Expressions.OfType<NftVerdictExpr>().Single().Verdict).ToArray());
        var ep = fake.RulesOf(T, Endpoint(s.Name, Ep("10.244.1.2")));
        var nat = Assert.IsType<NftNat>(ep[^1].Expressions[^1]);
        Assert.Equal(NftNatType.Dnat, nat.Type);
        Assert.Equal("default/svc1/tcp/p80", s.Name.ToString());
    }

    [Fact]
    public void ServiceWithoutEndpointsRejectsAndGetsTrafficOnceAnEndpointAppears()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var s = Svc(1);
        p.SetService(s, []);
        Assert.True(p.Sync());
        Assert.Equal(NftVerdict.Goto(Reject), fake.Element(T, NoEndpointServicesMap, Key(s))!.Verdict);
        Assert.Null(fake.Element(T, ServiceIpsMap, Key(s)));

        p.SetService(s, [Ep("10.244.1.2", ready: false)]); // not ready: still nothing to send to
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, NoEndpointServicesMap, Key(s)));

        p.SetService(s, [Ep("10.244.1.2")]);
        Assert.True(p.Sync());
        Assert.Null(fake.Element(T, NoEndpointServicesMap, Key(s)));
        Assert.NotNull(fake.Element(T, ServiceIpsMap, Key(s)));
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
    public void AddingOneServiceAmongManySendsOnlyThatService()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 200; i++) p.SetService(Svc(i), [Ep($"10.244.{i / 200}.{i % 200 + 2}"), Ep($"10.244.{i / 200 + 1}.{i % 200 + 2}")]);
        Assert.True(p.Sync());
        int full = fake.Applied[^1].Count;

        p.SetService(Svc(500), [Ep("10.244.9.9"), Ep("10.244.9.10")]);
        Assert.True(p.Sync());
        var tx = fake.Applied[^1];
        // 3 chains (service + 2 endpoints), their rules, one map entry; no flushes, nothing about other services.
        Assert.DoesNotContain(tx.Commands, c => c is NftFlushChain or NftDeleteChain or NftDeleteElements);
        Assert.Equal(3, tx.Commands.OfType<NftAddChain>().Count());
        Assert.Single(tx.Commands.OfType<NftAddElements>());
        Assert.All(tx.Commands.OfType<NftAddChain>(), c => Assert.Contains("svc500", c.Chain.Name));
        Assert.True(tx.Count < 12, $"{tx.Count} commands for one service (full sync had {full})");

        // Nothing changed: nothing is sent.
        int before = fake.Applied.Count;
        p.SetService(Svc(500), [Ep("10.244.9.9"), Ep("10.244.9.10")]);
        Assert.True(p.Sync());
        Assert.Equal(before, fake.Applied.Count);
    }

    [Fact]
    public void EndpointChangeRewritesOnlyTheServiceChainAndTheChangedEndpoint()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 50; i++) p.SetService(Svc(i), [Ep($"10.244.1.{i + 2}"), Ep($"10.244.2.{i + 2}")]);
        Assert.True(p.Sync());
        p.SetService(Svc(7), [Ep("10.244.1.9"), Ep("10.244.3.9")]);
        Assert.True(p.Sync());
        var tx = fake.Applied[^1];
        Assert.Equal([Service(Svc(7).Name)], tx.Commands.OfType<NftFlushChain>().Select(c => c.Chain).Where(c => c.StartsWith("service-")).ToArray());
        Assert.Equal([Endpoint(Svc(7).Name, Ep("10.244.3.9"))], tx.Commands.OfType<NftAddChain>().Select(c => c.Chain.Name).ToArray());
        Assert.Equal([Endpoint(Svc(7).Name, Ep("10.244.2.9"))], tx.Commands.OfType<NftDeleteChain>().Select(c => c.Chain).ToArray());
        Assert.DoesNotContain(tx.Commands, c => c is NftAddElements or NftDeleteElements); // the map entry did not change
        Assert.Empty(fake.RulesOf(T, Endpoint(Svc(7).Name, Ep("10.244.2.9"))));
        Assert.Null(fake.List(T)!.Chains.GetValueOrDefault(Endpoint(Svc(7).Name, Ep("10.244.2.9"))));
    }

    [Fact]
    public void DeletingAServiceLeavesOnlyTheSkeleton()
    {
        var fake = new NftFake();
        var logs = new List<string>();
        var p = new ProxySyncer(fake, Cfg, logs.Add);
        p.SetService(Svc(1, nodePort: 30080, affinity: TimeSpan.FromMinutes(5)), [Ep("10.244.1.2"), Ep("10.244.2.2")]);
        Assert.True(p.Sync());
        var empty = new NftFake();
        new ProxySyncer(empty, Cfg).Sync();

        p.DeleteService(Svc(1).Name);
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
        p.SetService(cluster, [Ep("10.244.2.2")]);
        p.SetService(local, [Ep("10.244.1.2", local: true), Ep("10.244.2.3")]);
        p.SetService(noLocal, [Ep("10.244.2.4")]);
        Assert.True(p.Sync());
        byte[] NodeKey(ushort port) => NftKey.Concat(NftKey.Proto(ProxyProtocols.Tcp), NftKey.Port(port));

        Assert.Equal(NftVerdict.Goto(External(cluster.Name)), fake.Element(T, NodePortsMap, NodeKey(30001))!.Verdict);
        Assert.Equal(NftVerdict.Goto(External(local.Name)), fake.Element(T, NodePortsMap, NodeKey(30002))!.Verdict);
        // Policy Local without a local endpoint drops (it does not reject: other nodes may serve it).
        Assert.Equal(NftVerdict.Drop, fake.Element(T, NoEndpointNodePortsMap, NodeKey(30003))!.Verdict);

        // Cluster policy masquerades; Local keeps the client's address and only uses local endpoints.
        Assert.Contains(fake.RulesOf(T, External(cluster.Name)), r => r.Expressions.Any(e => e is NftMetaSet { Key: NftMetaKey.Mark }));
        var localRules = fake.RulesOf(T, External(local.Name));
        Assert.DoesNotContain(localRules, r => r.Expressions.Any(e => e is NftMetaSet { Key: NftMetaKey.Mark }));
        Assert.Equal(NftVerdict.Goto(Endpoint(local.Name, Ep("10.244.1.2", local: true))), localRules[^1].Expressions.OfType<NftVerdictExpr>().Single().Verdict);
    }

    [Fact]
    public void SessionAffinityUsesAPerEndpointTimeoutSet()
    {
        var fake = new NftFake();
        var p = new ProxySyncer(fake, Cfg);
        var s = Svc(1, affinity: TimeSpan.FromSeconds(10800));
        p.SetService(s, [Ep("10.244.1.2"), Ep("10.244.2.2")]);
        Assert.True(p.Sync());
        var set = fake.List(T)!.Sets[Affinity(s.Name, Ep("10.244.1.2"))];
        Assert.Equal(TimeSpan.FromHours(3), set.Timeout);
        Assert.Contains(fake.RulesOf(T, Endpoint(s.Name, Ep("10.244.1.2"))), r => r.Expressions.Any(e => e is NftDynset));
        var svc = fake.RulesOf(T, Service(s.Name));
        Assert.Equal(2, svc.Count(r => r.Expressions.Any(e => e is NftLookup l && l.Set.StartsWith("affinity-"))));
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
        Assert.Null(fake.Element(T, ServiceIpsMap, Key(Svc(2))));
        Assert.NotNull(fake.Element(T, ServiceIpsMap, Key(Svc(1))));
        Assert.True(p.Sync());
        Assert.NotNull(fake.Element(T, ServiceIpsMap, Key(Svc(2))));
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
        Assert.Equal(NftVerdict.Goto(Service(a.Name)), fake.Element(T, ServiceIpsMap, Key(a))!.Verdict);
        Assert.NotNull(fake.Element(T, ServiceIpsMap, Key(Svc(2))));
        Assert.Contains(logs, l => l.Contains("skipped"));
    }

    [Fact]
    public void RestartReadsBackTheKernelAndRewritesNothingUnchanged()
    {
        var fake = new NftFake();
        var first = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 20; i++) first.SetService(Svc(i, nodePort: (ushort)(30000 + i)), [Ep($"10.244.1.{i + 2}"), Ep($"10.244.2.{i + 2}")]);
        Assert.True(first.Sync());
        var before = Snapshot(fake);

        // A new process: same services except one changed and one removed while it was down.
        var second = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 19; i++)
            second.SetService(Svc(i, nodePort: (ushort)(30000 + i)), i == 3 ? [Ep("10.244.1.5"), Ep("10.244.3.5")] : [Ep($"10.244.1.{i + 2}"), Ep($"10.244.2.{i + 2}")]);
        second.Restore();
        Assert.True(second.Sync());
        var tx = fake.Applied[^1];
        Assert.DoesNotContain(tx.Commands, c => c is NftDeleteTable or NftFlushSet);
        var flushed = tx.Commands.OfType<NftFlushChain>().Select(c => c.Chain).ToHashSet();
        Assert.Contains(Service(Svc(3).Name), flushed);
        Assert.DoesNotContain(Service(Svc(4).Name), flushed);
        Assert.Contains(Service(Svc(19).Name), tx.Commands.OfType<NftDeleteChain>().Select(c => c.Chain));
        Assert.Null(fake.Element(T, ServiceIpsMap, Key(Svc(19))));
        Assert.NotNull(fake.Element(T, ServiceIpsMap, Key(Svc(18))));

        // And a restart with nothing changed sends nothing at all.
        var third = new ProxySyncer(fake, Cfg);
        for (int i = 0; i < 19; i++)
            third.SetService(Svc(i, nodePort: (ushort)(30000 + i)), i == 3 ? [Ep("10.244.1.5"), Ep("10.244.3.5")] : [Ep($"10.244.1.{i + 2}"), Ep($"10.244.2.{i + 2}")]);
        third.Restore();
        int count = fake.Applied.Count;
        Assert.True(third.Sync());
        Assert.Equal(count, fake.Applied.Count);
        Assert.NotEqual(before, Snapshot(fake));
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
            // Every service whose map entry is in this transaction has its chains here too.
            var chains = tx.Commands.OfType<NftAddChain>().Select(c => c.Chain.Name).ToHashSet();
            foreach (var e in tx.Commands.OfType<NftAddElements>().SelectMany(a => a.Elements))
                Assert.Contains(e.Verdict!.Chain!, chains);
        }
        for (int i = 0; i < 35; i++) Assert.NotNull(fake.Element(T, ServiceIpsMap, Key(Svc(i))));
    }

    private static string Snapshot(NftFake f)
    {
        var s = f.List(T)!;
        return string.Join(";", s.Chains.Keys.Order()) + "|" + string.Join(";", s.Elements.SelectMany(kv => kv.Value.Select(e => kv.Key + e.KeyHex + e.Verdict)).Order());
    }
}
