using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Tests.Policy;

/// <summary>Compiler and syncer against the in-memory nftables fake: what goes into the table, and how little a change sends.</summary>
public sealed class PolicySyncTests
{
    private static readonly NftTable T = Enforcer.Table;
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    private const string AllowFromB = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: { name: db, namespace: x }
        spec:
          podSelector: { matchLabels: { app: db } }
          ingress: [ { from: [ { podSelector: { matchLabels: { app: web } } } ], ports: [ { port: 5432 } ] } ]
        """;

    private static (NftFake Fake, Enforcer E) World()
    {
        var fake = new NftFake();
        var e = new Enforcer(fake);
        e.Pod("x", "db", Ip("10.244.1.2"), "app=db")
         .Pod("x", "web1", Ip("10.244.1.3"), "app=web")
         .Pod("x", "web2", Ip("10.244.2.3"), "app=web", node: "node-2")
         .Pod("x", "other", Ip("10.244.1.4"), "app=other");
        return (fake, e);
    }

    private static string[] Elements(NftFake f, string set) =>
        [.. (f.List(T)!.Elements.GetValueOrDefault(set) ?? []).Select(e => e.Verdict is { } v ? $"{new IPAddress(e.Key)}:{v}" : e.Key.Length == 4 ? new IPAddress(e.Key).ToString() : e.KeyHex).Order()];

    [Fact]
    public void WithoutPoliciesOnlyTheSkeletonExistsAndNothingIsIsolated()
    {
        var (fake, e) = World();
        e.Apply();
        var s = fake.List(T)!;
        Assert.Equal(["egress", "ingress"], s.Chains.Keys.Order());
        Assert.True(s.Chains["ingress"].Base is { Hook: NftHook.Forward, Priority: 1 });
        Assert.True(s.Chains["egress"].Base is { Hook: NftHook.Forward, Priority: 0 });
        Assert.Empty(Elements(fake, PolicyNames.IngressMap));
        Assert.Empty(Elements(fake, PolicyNames.EgressMap));
    }

    [Fact]
    public void ASelectedLocalPodDispatchesToItsChainAndPeerSetsHoldPodsOfEveryNode()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        Assert.Equal(["10.244.1.2:goto pod-in-10.244.1.2"], Elements(fake, PolicyNames.IngressMap));
        Assert.Empty(Elements(fake, PolicyNames.EgressMap));
        Assert.Equal(["10.244.1.3", "10.244.2.3"], Elements(fake, PolicyNames.PeersSet(Direction.Ingress, "x/db", 0)));
        var chain = fake.RulesOf(T, "pod-in-10.244.1.2");
        Assert.Equal(3, chain.Count); // self, jump to the policy, drop
        Assert.Contains(chain[1].Expressions, x => x is NftVerdictExpr { Verdict.Chain: "pol-in-x/db" });
        Assert.Single(fake.RulesOf(T, "pol-in-x/db"));
    }

    [Fact]
    public void APeerLabelChangeSendsOneElementAndNoRules()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        int before = fake.Applied.Count;
        e.Pod("x", "other", Ip("10.244.1.4"), "app=web").Apply();
        Assert.Equal(before + 1, fake.Applied.Count);
        var tx = fake.Applied[^1].Commands;
        var add = Assert.Single(tx);
        Assert.Equal("10.244.1.4", new IPAddress(Assert.Single(Assert.IsType<NftAddElements>(add).Elements).Key).ToString());

        // A label change that matters to no policy sends nothing at all.
        e.Pod("x", "other", Ip("10.244.1.4"), "app=web,extra=1").Apply();
        Assert.Equal(before + 1, fake.Applied.Count);
    }

    [Fact]
    public void ATargetLabelChangeIsolatesThePodInOneTransaction()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        e.Pod("x", "other", Ip("10.244.1.4"), "app=db").Apply();
        Assert.Contains("10.244.1.4:goto pod-in-10.244.1.4", Elements(fake, PolicyNames.IngressMap));
        var tx = fake.Applied[^1].Commands;
        // Chain, its rules and the map entry together (and the peer set is untouched).
        Assert.Contains(tx, c => c is NftAddChain { Chain.Name: "pod-in-10.244.1.4" });
        Assert.Contains(tx, c => c is NftAddElements { Set: PolicyNames.IngressMap });
        Assert.DoesNotContain(tx, c => c is NftAddElements a && a.Set.EndsWith("-peers") || c is NftDeleteElements d && d.Set.EndsWith("-peers"));
    }

    [Fact]
    public void DeletingThePolicyRemovesEverythingItAdded()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        e.Compiler.RemovePolicy("x/db");
        e.Apply();
        var s = fake.List(T)!;
        Assert.Equal(["egress", "ingress"], s.Chains.Keys.Order());
        Assert.Equal([PolicyNames.EgressMap, PolicyNames.IngressMap], s.Sets.Keys.Order());
        Assert.Empty(Elements(fake, PolicyNames.IngressMap));
    }

    [Fact]
    public void EgressOnlyPoliciesIsolateEgressOnly()
    {
        var (fake, e) = World();
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: out, namespace: x }
            spec:
              podSelector: { matchLabels: { app: web } }
              policyTypes: [ Egress ]
              egress: [ { to: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.244.1.0/24 ] } } ] } ]
            """).Apply();
        Assert.Equal(["10.244.1.3:goto pod-eg-10.244.1.3"], Elements(fake, PolicyNames.EgressMap)); // web2 is on node-2: not ours
        Assert.Empty(Elements(fake, PolicyNames.IngressMap));
        Assert.Equal(["10.0.0.0", "10.244.1.0", "10.244.2.0", "11.0.0.0"], Elements(fake, PolicyNames.CidrSet(Direction.Egress, "x/out", 0)));
    }

    [Fact]
    public void RestartReadsTheTableBackAndWritesNothingWhenNothingChanged()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        int before = fake.Applied.Count;

        var restarted = new Enforcer(fake);
        foreach (var pod in new[] { ("db", "10.244.1.2", "app=db", "node-1"), ("web1", "10.244.1.3", "app=web", "node-1"), ("web2", "10.244.2.3", "app=web", "node-2"), ("other", "10.244.1.4", "app=other", "node-1") })
            restarted.Pod("x", pod.Item1, Ip(pod.Item2), pod.Item3, pod.Item4);
        restarted.Policy(AllowFromB);
        restarted.Syncer.Restore();
        restarted.Apply();
        Assert.Equal(before, fake.Applied.Count);

        // While the agent was down the policy went away: the first sync removes it, nothing else.
        var third = new Enforcer(fake);
        third.Pod("x", "db", Ip("10.244.1.2"), "app=db");
        third.Syncer.Restore();
        third.Apply();
        Assert.Equal(["egress", "ingress"], fake.List(T)!.Chains.Keys.Order());
        Assert.DoesNotContain(fake.Applied[^1].Commands, c => c is NftFlushChain { Chain: "ingress" or "egress" });
    }

    [Fact]
    public void ARefusedSyncChangesNothingAndIsRetried()
    {
        var (fake, e) = World();
        e.Apply();
        e.Policy(AllowFromB);
        foreach (var (k, o) in e.Compiler.Drain()) e.Syncer.SetUnit(k, o);
        fake.FailNextWith = 22;
        Assert.False(e.Syncer.Sync());
        Assert.Empty(Elements(fake, PolicyNames.IngressMap));
        Assert.True(e.Syncer.Pending);
        Assert.True(e.Syncer.Sync());
        Assert.Equal(["10.244.1.2:goto pod-in-10.244.1.2"], Elements(fake, PolicyNames.IngressMap));
    }

    [Fact]
    public void NamedPortsResolveOnTheDestination()
    {
        var fake = new NftFake();
        var e = new Enforcer(fake);
        e.Pod("x", "db", Ip("10.244.1.2"), "app=db", ports: [new NamedPort("pg", Protocols.Tcp, 5432)])
         .Pod("x", "db2", Ip("10.244.1.5"), "app=db", ports: [new NamedPort("pg", Protocols.Tcp, 6432), new NamedPort("pg", Protocols.Udp, 1)])
         .Pod("x", "web", Ip("10.244.1.3"), "app=web", ports: [new NamedPort("pg", Protocols.Tcp, 7777)]);
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: db, namespace: x }
            spec:
              podSelector: { matchLabels: { app: db } }
              ingress: [ { ports: [ { port: pg } ] } ]
            """).Apply();
        string Key(string ip, byte proto, ushort port) => Convert.ToHexString(NftKey.AddrProtoPort(Ip(ip), proto, port));
        Assert.Equal(new[] { Key("10.244.1.2", 6, 5432), Key("10.244.1.5", 6, 6432) }.Order(), Elements(fake, PolicyNames.NamedSet(Direction.Ingress, "x/db", 0)));

        // The container port changes (a new pod version): the set follows.
        e.Pod("x", "db", Ip("10.244.1.2"), "app=db", ports: [new NamedPort("pg", Protocols.Tcp, 5433)]).Apply();
        Assert.Contains(Key("10.244.1.2", 6, 5433), Elements(fake, PolicyNames.NamedSet(Direction.Ingress, "x/db", 0)));
        Assert.DoesNotContain(Key("10.244.1.2", 6, 5432), Elements(fake, PolicyNames.NamedSet(Direction.Ingress, "x/db", 0)));
    }
}
