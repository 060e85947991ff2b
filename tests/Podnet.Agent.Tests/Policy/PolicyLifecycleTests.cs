using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Linux.Nftables;
using Podnet.Testing;
using static Podnet.Agent.Tests.Policy.PolicyLab;

namespace Podnet.Agent.Tests.Policy;

/// <summary>Replacing, restarting and Service traffic, in a real node namespace.</summary>
public sealed class PolicyLifecycleTests
{
    private static Enforcer World(NftClient nft) => new Enforcer(nft)
        .Pod("x", "a", PodIp(0), "pod=a").Pod("x", "b", PodIp(1), "pod=b").Pod("x", "c", PodIp(2), "pod=c");

    private static string Allow(string name, string from) =>
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n" +
        $"metadata: {{ name: {name}, namespace: x }}\n" +
        $"spec:\n  podSelector: {{ matchLabels: {{ pod: a }} }}\n  ingress: [ {{ from: [ {from} ] }} ]\n";

    [Fact]
    public async Task ReplacingRulesNeverOpensOrClosesAPodInBetween()
    {
        using var lab = new PolicyLab(3);
        using var nft = new NftClient(lab.Node.Name);
        var e = World(nft);
        e.Policy(Allow("p1", "{ podSelector: { matchLabels: { pod: b } } }")).Apply();
        using var stop = new CancellationTokenSource();
        int bOk = 0, bFail = 0, cOk = 0;
        // Handshakes only (the SYN is what policy decides on). A SYN dropped by policy is
        // retransmitted only after 1 s: a 900 ms timeout tells a drop from a slow machine.
        async Task Probe(TestNetns from, Action<bool> count)
        {
            while (!stop.IsCancellationRequested) count(await HandshakeAsync(from, PodIp(0), 80, 900) is not null);
        }
        var probes = Task.WhenAll(Task.Run(() => Probe(lab.Pods[1], ok => { if (ok) bOk++; else bFail++; })),
            Task.Run(() => Probe(lab.Pods[2], ok => { if (ok) cOk++; })));
        // Each step rewrites what lets b in: the selector set, an ipBlock interval set, another
        // policy's chain in place of the first (pod chain rewritten), a named-port-free rule with ports.
        string[] forms =
        [
            Allow("p1", "{ ipBlock: { cidr: 10.244.1.0/24, except: [ 10.244.1.12/32 ] } }"),
            Allow("p1", "{ podSelector: { matchExpressions: [ { key: pod, operator: NotIn, values: [ c ] } ] } }"),
            Allow("p1", "{ podSelector: { matchLabels: { pod: b } } }"),
        ];
        for (int i = 0; i < 24; i++)
        {
            if (i % 4 == 3)
            {
                e.Compiler.RemovePolicy("x/p1");
                e.Policy(Allow("p2", "{ podSelector: { matchLabels: { pod: b } } }")).Apply();
                e.Compiler.RemovePolicy("x/p2");
                e.Policy(forms[i % 3]).Apply();
            }
            else e.Policy(forms[i % 3]).Apply();
            await Task.Delay(40);
        }
        await Task.Delay(200);
        stop.Cancel();
        await probes;
        Assert.True(bOk > 20, $"only {bOk} probes from b ran");
        Assert.Equal(0, bFail);
        Assert.Equal(0, cOk);
    }

    [Fact]
    public async Task RestartReadsTheTableBackWithoutFlushingAndConnectionsContinue()
    {
        using var lab = new PolicyLab(3);
        string rules;
        using (var nft = new NftClient(lab.Node.Name))
        {
            World(nft).Policy(Allow("p1", "{ podSelector: { matchLabels: { pod: b } } }")).Policy(Allow("p2", "{ ipBlock: { cidr: 10.244.2.0/24 } }")).Apply();
            rules = lab.Node.Output("nft", "-a", "list", "table", "ip", "podnet-policy");
        }
        using var conn = await OpenEchoAsync(lab.Pods[1], PodIp(0));
        Assert.NotNull(conn);
        Assert.True(await EchoAsync(conn, "one"));

        // A new agent: reads the table back and syncs the same state. Nothing is rewritten (same handles).
        using (var nft = new NftClient(lab.Node.Name))
        {
            var e = World(nft).Policy(Allow("p1", "{ podSelector: { matchLabels: { pod: b } } }")).Policy(Allow("p2", "{ ipBlock: { cidr: 10.244.2.0/24 } }"));
            e.Syncer.Restore();
            e.Apply();
            Assert.Equal(rules, lab.Node.Output("nft", "-a", "list", "table", "ip", "podnet-policy"));
        }
        Assert.True(await EchoAsync(conn, "two"));

        // Restarted after p2 was deleted while it was down: p2 goes, a stays isolated throughout.
        using (var nft = new NftClient(lab.Node.Name))
        {
            var e = World(nft).Policy(Allow("p1", "{ podSelector: { matchLabels: { pod: b } } }"));
            e.Syncer.Restore();
            e.Apply();
        }
        var after = lab.Node.Output("nft", "list", "table", "ip", "podnet-policy");
        Assert.DoesNotContain("x/p2", after);
        Assert.True(await EchoAsync(conn, "three"));
        Assert.True(await TcpAsync(lab.Pods[1], PodIp(0), 80));
        Assert.False(await TcpAsync(lab.Remote, PodIp(0), 80));
    }

    [Fact]
    public async Task ServiceTrafficIsCheckedAgainstTheEndpointAndAPodAlwaysReachesItself()
    {
        using var lab = new PolicyLab(3);
        using var nft = new NftClient(lab.Node.Name);
        var proxy = new ProxySyncer(nft, new ProxyConfig { ClusterCidr = IPNetwork.Parse("10.244.0.0/16") });
        proxy.SetService(new ServicePortInfo(new ServicePortName("x", "a", "p80", ProxyProtocols.Tcp), IPAddress.Parse("10.96.0.10"), 80),
            [new EndpointInfo(PodIp(0), 8080)]);
        Assert.True(proxy.Sync());
        var svc = IPAddress.Parse("10.96.0.10");
        Assert.True(await TcpAsync(lab.Pods[2], svc, 80));
        Assert.True(await TcpAsync(lab.Pods[0], svc, 80), "hairpin without policy");

        // a admits b on the target port 8080 only; the Service port 80 is not what policy sees.
        World(nft).Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: svc, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress: [ { from: [ { podSelector: { matchLabels: { pod: b } } } ], ports: [ { port: 8080 } ] } ]
            """).Apply();
        Assert.True(await TcpAsync(lab.Pods[1], svc, 80));
        Assert.False(await TcpAsync(lab.Pods[2], svc, 80));
        Assert.False(await TcpAsync(lab.Pods[1], PodIp(0), 80));
        // Hairpin: a reaches itself through its Service although its ingress admits only b.
        Assert.True(await TcpAsync(lab.Pods[0], svc, 80));
    }
}
