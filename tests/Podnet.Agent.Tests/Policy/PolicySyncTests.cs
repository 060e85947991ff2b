using System.Net;
using Podnet.Agent.Policy.Compile;
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

    private static string Tuple(string ip, byte proto, ushort port) => Convert.ToHexString(NftKey.AddrProtoPort(Ip(ip), proto, port));

    [Fact]
    public void ASelectedLocalPodDispatchesToItsClassWhoseSetsHoldPeersOfEveryNode()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        Assert.Equal(["10.244.1.2:goto in-x/db"], Elements(fake, PolicyNames.IngressMap));
        Assert.Empty(Elements(fake, PolicyNames.EgressMap));
        Assert.Equal([Tuple("10.244.1.3", 6, 5432), Tuple("10.244.2.3", 6, 5432)], Elements(fake, "in-x/db-ports"));
        Assert.Equal([Convert.ToHexString(NftKey.Concat(Ip("10.244.1.2").GetAddressBytes(), Ip("10.244.1.2").GetAddressBytes()))], Elements(fake, PolicyNames.SelfSet));
        var chain = fake.RulesOf(T, "in-x/db");
        Assert.Equal(3, chain.Count); // peer . proto . port lookup, own traffic, drop
        Assert.DoesNotContain(chain.SelectMany(r => r.Expressions), x => x is NftVerdictExpr { Verdict.Chain: not null });
    }

    [Fact]
    public void ANewConnectionCostsAtMostFourLookupsHoweverManyPoliciesSelectThePod()
    {
        var (fake, e) = World();
        for (int i = 0; i < 40; i++)
            e.Policy($$"""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: { name: p{{i}}, namespace: x }
                spec:
                  podSelector: { matchLabels: { app: db } }
                  policyTypes: [ Ingress, Egress ]
                  ingress: [ { from: [ { podSelector: { matchLabels: { app: web } } }, { ipBlock: { cidr: 10.{{i}}.0.0/16 } } ], ports: [ { port: {{1000 + i}} }, { port: 2000, endPort: {{2000 + i}} }, { protocol: UDP } ] }, { from: [ { podSelector: { matchLabels: { app: other } } } ] } ]
                  egress: [ { to: [ { ipBlock: { cidr: 10.{{i}}.0.0/16 } } ] } ]
                """);
        e.Apply();
        foreach (var d in new[] { Direction.Ingress, Direction.Egress })
        {
            var entry = Assert.Single(Elements(fake, d == Direction.Ingress ? PolicyNames.IngressMap : PolicyNames.EgressMap));
            var chain = fake.RulesOf(T, entry[(entry.IndexOf("goto ") + 5)..]);
            // Lookups by kind (exact tuples, peers on every port, ranges on every port, boxes), own traffic, drop.
            Assert.InRange(chain.Count, 3, 6);
            Assert.DoesNotContain(chain.SelectMany(r => r.Expressions), x => x is NftVerdictExpr { Verdict.Chain: not null });
        }
        var s = fake.List(T)!;
        Assert.Equal(4, s.Chains.Count); // two base chains, one class per direction
    }

    [Fact]
    public void PodsIsolatedAlikeShareOneClass()
    {
        var (fake, e) = World();
        e.Pod("x", "web3", Ip("10.244.1.7"), "app=web");
        e.Policy(AllowFromB.Replace("app: db } }", "app: web } }")).Apply();
        Assert.Equal(["10.244.1.3:goto in-x/db", "10.244.1.7:goto in-x/db"], Elements(fake, PolicyNames.IngressMap));
        Assert.Equal(1, e.Compiler.ClassCount);
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
        Assert.Equal(Tuple("10.244.1.4", 6, 5432), Assert.Single(Assert.IsType<NftAddElements>(add).Elements).KeyHex);

        // A label change that matters to no policy sends nothing at all.
        e.Pod("x", "other", Ip("10.244.1.4"), "app=web,extra=1").Apply();
        Assert.Equal(before + 1, fake.Applied.Count);
    }

    [Fact]
    public void APeerMovingBetweenRulesOfAPolicyWithManyRulesIsRecompiled()
    {
        // A policy of 33 rules: rule 0 allows app=web on 80, rule 32 allows app=new on 81. A peer
        // relabelled from web to new must move from 80 to 81 (a 64-bit relevance mask wraps here).
        var rules = string.Join("\n", Enumerable.Range(0, 33).Select(i => i switch
        {
            0 => "  - { from: [ { podSelector: { matchLabels: { app: web } } } ], ports: [ { port: 80 } ] }",
            32 => "  - { from: [ { podSelector: { matchLabels: { app: new } } } ], ports: [ { port: 81 } ] }",
            _ => $"  - {{ from: [ {{ podSelector: {{ matchLabels: {{ app: none{i} }} }} }} ], ports: [ {{ port: {1000 + i} }} ] }}",
        }));
        var (fake, e) = World();
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: many, namespace: x }
            spec:
              podSelector: { matchLabels: { app: db } }
              ingress:

            """ + rules).Apply();
        Assert.Equal([Tuple("10.244.1.3", 6, 80), Tuple("10.244.2.3", 6, 80)], Elements(fake, "in-x/many-ports"));
        e.Pod("x", "web1", Ip("10.244.1.3"), "app=new").Apply();
        Assert.Equal([Tuple("10.244.1.3", 6, 81), Tuple("10.244.2.3", 6, 80)], Elements(fake, "in-x/many-ports"));
    }

    [Fact]
    public void ATargetLabelChangeIsolatesThePodInOneTransaction()
    {
        var (fake, e) = World();
        e.Policy(AllowFromB).Apply();
        e.Pod("x", "other", Ip("10.244.1.4"), "app=db").Apply();
        Assert.Contains("10.244.1.4:goto in-x/db", Elements(fake, PolicyNames.IngressMap));
        // It joins the class db is in: its dispatch entry and own-traffic pair, nothing else.
        var tx = fake.Applied[^1].Commands;
        Assert.Equal([PolicyNames.IngressMap, PolicyNames.SelfSet], tx.Select(c => Assert.IsType<NftAddElements>(c).Set).Order());

        // Selected by one more policy: a new class (chain and sets) and the entry re-pointed, in one transaction.
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: other, namespace: x }
            spec: { podSelector: { matchLabels: { app: db } }, ingress: [ { ports: [ { port: 9 } ] } ] }
            """).Apply();
        Assert.Equal(["10.244.1.2:goto in-x/db,x/other", "10.244.1.4:goto in-x/db,x/other"], Elements(fake, PolicyNames.IngressMap));
        tx = fake.Applied[^1].Commands;
        Assert.Contains(tx, c => c is NftAddChain { Chain.Name: "in-x/db,x/other" });
        Assert.Contains(tx, c => c is NftDeleteChain { Chain: "in-x/db" });
        Assert.True(tx.ToList().FindIndex(c => c is NftAddElements { Set: PolicyNames.IngressMap }) < tx.ToList().FindIndex(c => c is NftDeleteChain));
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
        Assert.Equal([PolicyNames.EgressMap, PolicyNames.IngressMap, PolicyNames.SelfSet], s.Sets.Keys.Order());
        Assert.Empty(Elements(fake, PolicyNames.IngressMap));
        Assert.Empty(Elements(fake, PolicyNames.SelfSet));
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
        Assert.Equal(["10.244.1.3:goto eg-x/out"], Elements(fake, PolicyNames.EgressMap)); // web2 is on node-2: not ours
        Assert.Empty(Elements(fake, PolicyNames.IngressMap));
        Assert.Equal(["10.0.0.0", "10.244.1.0", "10.244.2.0", "11.0.0.0"], Elements(fake, "eg-x/out-cidrs"));
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
        Assert.Equal(["10.244.1.2:goto in-x/db"], Elements(fake, PolicyNames.IngressMap));
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
        // Resolved on each selected pod: two numbers, two classes, each allowing every peer on its own number.
        Assert.Equal(["10.244.1.2:goto in-x/db pg/tcp=5432", "10.244.1.5:goto in-x/db pg/tcp=6432"], Elements(fake, PolicyNames.IngressMap));
        string Box(byte proto, ushort port) => Convert.ToHexString(NftKey.Concat([0, 0, 0, 0], [proto], NftKey.Port(port)));
        Assert.Equal([Box(6, 5432)], Elements(fake, "in-x/db pg/tcp=5432-ranges"));

        // The container port changes (a new pod version): the pod moves to a class with the new number.
        e.Pod("x", "db", Ip("10.244.1.2"), "app=db", ports: [new NamedPort("pg", Protocols.Tcp, 5433)]).Apply();
        Assert.Contains("10.244.1.2:goto in-x/db pg/tcp=5433", Elements(fake, PolicyNames.IngressMap));
        Assert.Equal(["egress", "in-x/db pg/tcp=5433", "in-x/db pg/tcp=6432", "ingress"], fake.List(T)!.Chains.Keys.Order(StringComparer.Ordinal));

        // Egress: the name is resolved on each destination pod.
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: web, namespace: x }
            spec:
              podSelector: { matchLabels: { app: web } }
              policyTypes: [ Egress ]
              egress: [ { to: [ { podSelector: { matchLabels: { app: db } } } ], ports: [ { port: pg } ] } ]
            """).Apply();
        Assert.Equal([Tuple("10.244.1.2", 6, 5433), Tuple("10.244.1.5", 6, 6432)], Elements(fake, "eg-x/web-ports"));
    }

    [Fact]
    public void OverlappingBoxesBecomeDisjointAndCoverTheSamePoints()
    {
        Box[] input =
        [
            new(10, 20, 6, 80, 90), new(15, 30, 6, 85, 100), new(12, 13, 6, 1, 1), new(25, 26, 6, 101, 101),
            new(0, 40, 17, 53, 53), new(5, 6, 17, 0, 65535), new(30, 31, 6, 80, 90),
        ];
        var output = Boxes.Disjoint(input);
        for (ulong ip = 0; ip < 45; ip++)
            foreach (byte proto in new byte[] { 6, 17 })
                foreach (ushort port in new ushort[] { 0, 1, 2, 53, 79, 80, 84, 85, 90, 91, 100, 101, 102, 65535 })
                {
                    bool In(Box b) => b.Start <= ip && ip < b.End && b.Proto == proto && b.Lo <= port && port <= b.Hi;
                    Assert.True(input.Any(In) == output.Any(In), $"{ip} {proto} {port}");
                    Assert.True(output.Count(In) <= 1, $"{ip} {proto} {port} is in two boxes");
                }
        Assert.Equal([new Box(0, 5, 17, 53, 53), new Box(5, 6, 17, 0, 65535), new Box(6, 40, 17, 53, 53)], output.Where(b => b.Proto == 17));
        // Touching pieces with the same ports are joined again.
        Assert.Equal([new Box(0, 20, 6, 80, 81)], Boxes.Disjoint([new(0, 10, 6, 80, 81), new(10, 20, 6, 80, 80), new(10, 20, 6, 81, 81)]));
    }
}
