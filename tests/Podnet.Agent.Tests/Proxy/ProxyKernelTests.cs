using System.Diagnostics;
using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Tests.Proxy;

/// <summary>The proxy's rules in a real namespace, carrying real connections.</summary>
public sealed class ProxyKernelTests
{
    private static readonly ProxyConfig Cfg = new() { ClusterCidr = IPNetwork.Parse("10.0.0.0/16") };

    private static ServicePortInfo Web(ushort? nodePort = null, bool etpLocal = false, TimeSpan? affinity = null, ushort port = 80, ushort target = 8080)
        => new(new ServicePortName("default", "web", $"p{port}", ProxyProtocols.Tcp), IPAddress.Parse("10.96.0.10"), port,
            NodePort: nodePort, ExternalPolicyLocal: etpLocal, AffinityTimeout: affinity);

    private static EndpointInfo Ep(string ip, ushort port = 8080, bool local = false) => new(IPAddress.Parse(ip), port, IsLocal: local);

    [Fact]
    public void ClusterIpSpreadsOverEndpointsAndFollowsEndpointChanges()
    {
        using var lab = new ProxyLab();
        using var nft = new NftClient(lab.Node.Name);
        var p = new ProxySyncer(nft, Cfg);
        p.SetService(Web(), [Ep("10.0.1.2"), Ep("10.0.1.3")]);
        Assert.True(p.Sync());

        var answers = lab.ConnectMany("10.96.0.10", 80, 30);
        Assert.Equal(30, answers.Length);
        Assert.All(answers, a => Assert.StartsWith("10.0.0.1 ", a)); // from inside the cluster CIDR: no masquerade
        Assert.Equal(["10.0.1.2", "10.0.1.3"], answers.Select(a => a.Split(' ')[1]).Distinct().Order().ToArray());

        // An endpoint removed stops getting new connections at once.
        p.SetService(Web(), [Ep("10.0.1.3")]);
        Assert.True(p.Sync());
        Assert.All(lab.ConnectMany("10.96.0.10", 80, 10), a => Assert.Equal("10.0.0.1 10.0.1.3", a));

        // No endpoints: refused at once, not a hang.
        p.SetService(Web(), []);
        Assert.True(p.Sync());
        Assert.Equal("refused", lab.Connect("10.96.0.10", 80)); // an ICMP reject, not a timeout

        // Service gone: nothing of it is left in the table.
        p.DeleteService(Web().Name);
        Assert.True(p.Sync());
        Assert.DoesNotContain("default/web", lab.Node.Exec("nft", "list", "table", "ip", "podnet-proxy").Check());
    }

    [Fact]
    public void NodePortMasqueradesUnlessExternalPolicyIsLocal()
    {
        using var lab = new ProxyLab();
        using var nft = new NftClient(lab.Node.Name);
        var p = new ProxySyncer(nft, Cfg with { ClusterCidr = IPNetwork.Parse("10.0.1.0/24") });
        p.SetService(Web(nodePort: 30080), [Ep("10.0.1.2")]);
        Assert.True(p.Sync());
        // External client to the node's address: DNAT to the endpoint and masquerade to the node.
        Assert.Equal("10.0.1.1 10.0.1.2", lab.Connect("10.0.0.2", 30080));

        p.SetService(Web(nodePort: 30080, etpLocal: true), [Ep("10.0.1.2", local: true)]);
        Assert.True(p.Sync());
        Assert.Equal("10.0.0.1 10.0.1.2", lab.Connect("10.0.0.2", 30080)); // client address preserved

        p.SetService(Web(nodePort: 30080, etpLocal: true), [Ep("10.0.1.2", local: false)]);
        Assert.True(p.Sync());
        Assert.Equal("timeout", lab.Connect("10.0.0.2", 30080, timeout: 1)); // dropped: no local endpoint
    }

    [Fact]
    public void HairpinAnEndpointReachesItselfThroughItsService()
    {
        using var lab = new ProxyLab();
        using var nft = new NftClient(lab.Node.Name);
        var p = new ProxySyncer(nft, Cfg);
        p.SetService(Web(), [Ep("10.0.1.2")]);
        Assert.True(p.Sync());
        // The backend itself dials the ClusterIP and lands on itself: the node masquerades the
        // source, otherwise the backend would answer its own SYN locally and the connect would hang.
        var r = lab.Backend.Exec("python3", "-c", """
import socket
s = socket.create_connection(('10.96.0.10', 80), timeout=5); print(s.recv(100).decode().strip())
""");
        Assert.Equal("10.0.1.1 10.0.1.2", r.Stdout.Trim());
    }

    [Fact]
    public void AffinityPinsAClient()
    {
        using var lab = new ProxyLab();
        using var nft = new NftClient(lab.Node.Name);
        var p = new ProxySyncer(nft, Cfg);
        p.SetService(Web(affinity: TimeSpan.FromMinutes(10)), [Ep("10.0.1.2"), Ep("10.0.1.3")]);
        Assert.True(p.Sync());
        var answers = lab.ConnectMany("10.96.0.10", 80, 20);
        Assert.Equal(20, answers.Length);
        Assert.Single(answers.Distinct());
    }

    [Fact]
    public void RestartKeepsEstablishedConnectionsAndRewritesNothing()
    {
        using var lab = new ProxyLab();
        var svc = Web(port: 90, target: 9090);
        EndpointInfo[] eps = [Ep("10.0.1.2", 9090), Ep("10.0.1.3", 9090)];
        using (var nft = new NftClient(lab.Node.Name))
        {
            var p = new ProxySyncer(nft, Cfg);
            p.SetService(svc, eps);
            p.SetService(Web(), [Ep("10.0.1.2")]);
            Assert.True(p.Sync());
        }
        var client = lab.Start(lab.Client, "python3", "-u", "-c", """
import socket, sys
s = socket.create_connection(('10.96.0.10', 90), timeout=5); f = s.makefile('rwb')
for line in sys.stdin:
    f.write(line.encode()); f.flush(); print(f.readline().decode().strip(), flush=True)
""");
        client.StandardInput.WriteLine("one");
        var first = client.StandardOutput.ReadLine();
        Assert.StartsWith("one 10.0.0.1 10.0.1.", first);
        var rulesBefore = lab.Node.Exec("nft", "-a", "list", "table", "ip", "podnet-proxy").Check();

        // A new agent process: reads the table back, syncs the same services.
        using (var nft = new NftClient(lab.Node.Name))
        {
            var p = new ProxySyncer(nft, Cfg);
            p.SetService(svc, eps);
            p.SetService(Web(), [Ep("10.0.1.2")]);
            p.Restore();
            Assert.True(p.Sync());
        }
        // Same rules, same handles: nothing was flushed or rewritten.
        Assert.Equal(rulesBefore, lab.Node.Exec("nft", "-a", "list", "table", "ip", "podnet-proxy").Check());
        client.StandardInput.WriteLine("two");
        Assert.Equal(first!.Replace("one", "two"), client.StandardOutput.ReadLine());
        client.StandardInput.Close();
    }

    [Fact]
    public void UdpClientMovesOffAGoneEndpointAfterConntrackCleanup()
    {
        using var lab = new ProxyLab();
        using var nft = new NftClient(lab.Node.Name);
        using var ct = new NfConntrack(lab.Node.Name);
        var p = new ProxySyncer(nft, Cfg);
        var dns = new ServicePortInfo(new ServicePortName("default", "dns", "p53", ProxyProtocols.Udp), IPAddress.Parse("10.96.0.53"), 53);
        p.SetService(dns, [Ep("10.0.1.2", 5353)]);
        Assert.True(p.Sync());
        Assert.Empty(p.UdpCleanups.OfType<UdpConntrackCleanup.EndpointGone>());

        // One client socket that keeps its source port, as a resolver does.
        var client = lab.Start(lab.Client, "python3", "-u", "-c", """
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
for line in sys.stdin:
    u.sendto(line.strip().encode(), ('10.96.0.53', 53))
    try: print(u.recvfrom(100)[0].decode(), flush=True)
    except socket.timeout: print('timeout', flush=True)
""");
        client.StandardInput.WriteLine("a");
        Assert.Equal("a 10.0.1.2", client.StandardOutput.ReadLine());
        Assert.Contains(ct.List(), e => e.Protocol == 17 && e.OrigDst.Equals(IPAddress.Parse("10.96.0.53")) && e.ReplySrc.Equals(IPAddress.Parse("10.0.1.2")));

        p.SetService(dns, [Ep("10.0.1.3", 5353)]);
        Assert.True(p.Sync());
        var cleanups = p.UdpCleanups;
        Assert.Equal([new UdpConntrackCleanup.EndpointGone(IPAddress.Parse("10.0.1.2"), 5353)], cleanups);
        Assert.Equal(1, UdpConntrackCleanup.Run(ct, cleanups));

        // The same socket (same 5-tuple) now reaches the remaining endpoint.
        client.StandardInput.WriteLine("b");
        Assert.Equal("b 10.0.1.3", client.StandardOutput.ReadLine());
        client.StandardInput.Close();
    }
}
