using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Linux.Nftables;
using Podnet.Testing;
using static Podnet.Agent.Tests.Policy.PolicyLab;

namespace Podnet.Agent.Tests.Policy;

/// <summary>Policies compiled into a real node namespace, checked with real TCP, UDP and ICMP between pod namespaces.</summary>
public sealed class PolicyKernelTests
{
    private static (PolicyLab Lab, NftClient Nft, Enforcer E) Setup(int pods, string ns = "x")
    {
        var lab = new PolicyLab(pods);
        var nft = new NftClient(lab.Node.Name);
        var e = new Enforcer(nft);
        for (int i = 0; i < pods; i++) e.Pod(ns, ((char)('a' + i)).ToString(), PodIp(i), $"pod={(char)('a' + i)}");
        e.Apply();
        return (lab, nft, e);
    }

    private static IPAddress[] Ips(int n) => [.. Enumerable.Range(0, n).Select(PodIp)];

    [Fact]
    public async Task DefaultDenyIngressThenAllowByPodSelector()
    {
        var (lab, nft, e) = Setup(3);
        using var _ = lab; using var __ = nft;
        TestNetns[] all = [.. lab.Pods, lab.Remote];
        Assert.Equal("111 111 111 111", await MatrixAsync(all, Ips(3), 80)); // no policy: everything open

        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: deny, namespace: x }
            spec: { podSelector: { matchLabels: { pod: a } } }
            """).Apply();
        // a is isolated for ingress (from same-bridge pods and routed peers); a's own egress is not, and its replies come back.
        Assert.Equal("111 .11 .11 .11", await MatrixAsync(all, Ips(3), 80));
        Assert.False(await UdpAsync(lab.Pods[1], PodIp(0), 80));
        Assert.False(Ping(lab.Pods[1], PodIp(0)));
        Assert.True(Ping(lab.Pods[0], PodIp(1)));

        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: allow-b, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress: [ { from: [ { podSelector: { matchExpressions: [ { key: pod, operator: In, values: [b] } ] } } ] } ]
            """).Apply();
        Assert.Equal("111 111 .11 .11", await MatrixAsync(all, Ips(3), 80));
        Assert.True(await UdpAsync(lab.Pods[1], PodIp(0), 81));
        Assert.True(Ping(lab.Pods[1], PodIp(0)));

        // Label change of c: it becomes a peer at once.
        e.Pod("x", "c", PodIp(2), "pod=b").Apply();
        Assert.Equal("111 111 111 .11", await MatrixAsync(all, Ips(3), 80));

        // Deleting both policies opens a again.
        e.Compiler.RemovePolicy("x/deny"); e.Compiler.RemovePolicy("x/allow-b"); e.Apply();
        Assert.Equal("111 111 111 111", await MatrixAsync(all, Ips(3), 80));
        Assert.DoesNotContain("x/", lab.Node.Output("nft", "list", "table", "ip", "podnet-policy")); // no class chain or set is left
    }

    [Fact]
    public async Task NamespaceSelectorAndPodSelectorCombineAsAndWithinAPeerAndOrAcrossPeers()
    {
        using var lab = new PolicyLab(4);
        using var nft = new NftClient(lab.Node.Name);
        var e = new Enforcer(nft);
        e.Pod("x", "a", PodIp(0), "pod=a").Pod("y", "a", PodIp(1), "pod=a").Pod("y", "b", PodIp(2), "pod=b").Pod("z", "b", PodIp(3), "pod=b");
        e.Compiler.SetNamespace("y", new Dictionary<string, string> { ["team"] = "blue" });
        e.Compiler.SetNamespace("z", new Dictionary<string, string> { ["team"] = "red" });
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: and, namespace: x }
            spec:
              podSelector: {}
              ingress: [ { from: [ { namespaceSelector: { matchLabels: { team: blue } }, podSelector: { matchLabels: { pod: b } } } ] } ]
            """).Apply();
        TestNetns[] from = [lab.Pods[1], lab.Pods[2], lab.Pods[3]];
        Assert.Equal(". 1 .", await MatrixAsync(from, [PodIp(0)], 80)); // only y/b

        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: and, namespace: x }
            spec:
              podSelector: {}
              ingress: [ { from: [ { namespaceSelector: { matchLabels: { team: blue } } }, { podSelector: { matchLabels: { pod: b } } } ] } ]
            """).Apply();
        Assert.Equal("1 1 .", await MatrixAsync(from, [PodIp(0)], 80)); // all of y; pod=b only in x (none there)

        // Namespace relabelled: z joins live, y leaves.
        e.Compiler.SetNamespace("z", new Dictionary<string, string> { ["team"] = "blue" });
        e.Compiler.SetNamespace("y", new Dictionary<string, string>());
        e.Apply();
        Assert.Equal(". . 1", await MatrixAsync(from, [PodIp(0)], 80));

        // The metadata.name label selects a namespace by name, as the API server defaults it.
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: and, namespace: x }
            spec:
              podSelector: {}
              ingress: [ { from: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: y } } } ] } ]
            """).Apply();
        Assert.Equal("1 1 .", await MatrixAsync(from, [PodIp(0)], 80));
    }

    [Fact]
    public async Task IpBlockWithExceptAndEgressToCidr()
    {
        var (lab, nft, e) = Setup(3);
        using var _ = lab; using var __ = nft;
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: cidr, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress: [ { from: [ { ipBlock: { cidr: 10.244.0.0/16, except: [ 10.244.1.12/32, 10.244.3.0/24 ] } } ] } ]
            """).Apply();
        Assert.Equal("1 . 1", await MatrixAsync([lab.Pods[1], lab.Pods[2], lab.Remote], [PodIp(0)], 80));

        // Egress of b only to 10.244.2.0/24 except nothing else; b can no longer reach a or c, but reaches the remote.
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: egress, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: b } }
              policyTypes: [ Egress ]
              egress: [ { to: [ { ipBlock: { cidr: 10.244.2.0/24 } } ] } ]
            """).Apply();
        Assert.Equal(". . 1", await MatrixAsync([lab.Pods[1]], [PodIp(0), PodIp(2), lab.RemoteIp], 80).ContinueWith(t => string.Join(" ", t.Result.ToCharArray())));
        // b's ingress is not isolated: c reaches b, and b's replies pass.
        Assert.True(await TcpAsync(lab.Pods[2], PodIp(1), 80));
    }

    [Fact]
    public async Task BlocksSpanningTheWholeAddressSpaceReachBothEnds()
    {
        var (lab, nft, e) = Setup(3);
        using var _ = lab; using var __ = nft;
        // 0.0.0.0/0 minus a hole: one range starts at 0.0.0.0, one ends at 255.255.255.255 (no end
        // element), on every port (interval set) and on a port range up to 65535 (concatenated set).
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: edges, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress:
              - from: [ { ipBlock: { cidr: 0.0.0.0/0, except: [ 10.244.1.0/24 ] } } ]
              - from: [ { ipBlock: { cidr: 0.0.0.0/0, except: [ 10.244.2.0/24 ] } } ]
                ports: [ { port: 9001, endPort: 65535 } ]
            """).Apply();
        var a = PodIp(0);
        Assert.True(await TcpAsync(lab.Remote, a, 80));    // 10.244.2.10: first rule, every port
        Assert.True(await TcpAsync(lab.Pods[1], a, 9001)); // 10.244.1.11: second rule only
        Assert.True(await TcpAsync(lab.Pods[2], a, 9003));
        Assert.False(await TcpAsync(lab.Pods[1], a, 80));
        Assert.False(await UdpAsync(lab.Pods[1], a, 81));
    }

    [Fact]
    public async Task NamedPortsEndPortRangesAndProtocols()
    {
        using var lab = new PolicyLab(3);
        using var nft = new NftClient(lab.Node.Name);
        var e = new Enforcer(nft);
        e.Pod("x", "a", PodIp(0), "pod=a", ports: [new NamedPort("web", Protocols.Tcp, 8080), new NamedPort("dns", Protocols.Udp, 81)])
         .Pod("x", "b", PodIp(1), "pod=b", ports: [new NamedPort("web", Protocols.Tcp, 81)])
         .Pod("x", "c", PodIp(2), "pod=c");
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: ports, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress:
              - ports: [ { port: web }, { port: 9001, endPort: 9002 }, { protocol: UDP, port: dns } ]
            """).Apply();
        var b = lab.Pods[1];
        Assert.True(await TcpAsync(b, PodIp(0), 8080));   // "web" on a is 8080 (b's own "web" is 81: irrelevant for ingress)
        Assert.False(await TcpAsync(b, PodIp(0), 81));
        Assert.False(await TcpAsync(b, PodIp(0), 80));
        Assert.True(await TcpAsync(b, PodIp(0), 9001));
        Assert.True(await TcpAsync(b, PodIp(0), 9002));
        Assert.False(await TcpAsync(b, PodIp(0), 9003));
        Assert.True(await UdpAsync(b, PodIp(0), 81));
        Assert.False(await UdpAsync(b, PodIp(0), 80));

        // Egress named port: resolved on the destination pod (b's "web" is TCP 81).
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: eg, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: c } }
              policyTypes: [ Egress ]
              egress: [ { ports: [ { port: web } ] } ]
            """).Apply();
        var c = lab.Pods[2];
        Assert.True(await TcpAsync(c, PodIp(1), 81));
        Assert.False(await TcpAsync(c, PodIp(1), 80));
        Assert.True(await TcpAsync(c, PodIp(0), 8080));
        Assert.False(await TcpAsync(c, PodIp(0), 81));
        Assert.False(await TcpAsync(c, lab.RemoteIp, 81)); // not a pod: no named port to resolve

        // UDP-only policy: TCP to the same port is denied.
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: ports, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress: [ { ports: [ { protocol: UDP, port: 80 } ] } ]
            """).Apply();
        Assert.True(await UdpAsync(b, PodIp(0), 80));
        Assert.False(await TcpAsync(b, PodIp(0), 80));
    }

    [Fact]
    public async Task OverlappingRangesOfTwoPoliciesAreUnioned()
    {
        var (lab, nft, e) = Setup(3);
        using var _ = lab; using var __ = nft;
        // b's port range overlaps the second policy's block on TCP 9002-9003: the kernel takes only
        // disjoint elements, the union must still hold.
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: p1, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress:
              - from: [ { podSelector: { matchLabels: { pod: b } } } ]
                ports: [ { port: 9001, endPort: 9003 } ]
              - from: [ { ipBlock: { cidr: 10.244.2.0/24 } } ]
                ports: [ { protocol: TCP, port: 80 } ]
            """).Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: p2, namespace: x }
            spec:
              podSelector: { matchLabels: { pod: a } }
              ingress:
              - from: [ { ipBlock: { cidr: 10.244.0.0/16, except: [ 10.244.1.12/32 ] } } ]
                ports: [ { port: 9002, endPort: 9003 }, { protocol: UDP } ]
            """).Apply();
        TestNetns b = lab.Pods[1], c = lab.Pods[2];
        var a = PodIp(0);
        Assert.True(await TcpAsync(b, a, 9001));
        Assert.True(await TcpAsync(b, a, 9003));
        Assert.False(await TcpAsync(b, a, 80));
        Assert.False(await TcpAsync(b, a, 8080));
        Assert.True(await UdpAsync(b, a, 80));
        Assert.False(await TcpAsync(c, a, 9002));
        Assert.False(await UdpAsync(c, a, 81));
        Assert.True(await TcpAsync(lab.Remote, a, 80));
        Assert.True(await TcpAsync(lab.Remote, a, 9002));
        Assert.False(await TcpAsync(lab.Remote, a, 81));
        Assert.True(await UdpAsync(lab.Remote, a, 81));
    }

    [Fact]
    public async Task EgressDenyAllowsNothingOutButRepliesAndTheNodePass()
    {
        var (lab, nft, e) = Setup(2);
        using var _ = lab; using var __ = nft;
        e.Policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: deny-all, namespace: x }
            spec: { podSelector: { matchLabels: { pod: a } }, policyTypes: [ Ingress, Egress ] }
            """).Apply();
        var a = lab.Pods[0];
        Assert.False(await TcpAsync(a, PodIp(1), 80));
        Assert.False(await TcpAsync(a, lab.RemoteIp, 80));
        Assert.False(await UdpAsync(a, PodIp(1), 80));
        Assert.False(Ping(a, PodIp(1)));
        Assert.False(await TcpAsync(lab.Pods[1], PodIp(0), 80));
        // The pod's own node always reaches it, and it reaches its node.
        Assert.True(await TcpAsync(lab.Node, PodIp(0), 80));
        Assert.True(Ping(a, IPAddress.Parse("10.244.1.1")));
    }
}
