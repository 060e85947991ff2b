using System.Net;
using Podnet.Linux.Netlink;
using Podnet.Testing;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

/// <summary>Real packets between namespaces wired only with the library; iproute2 only observes.</summary>
public class PacketTests
{
    private static void Ping(TestNetns from, string to, string? source = null)
    {
        var argv = new List<string> { "ping", "-c", "2", "-i", "0.2", "-W", "2" };
        if (source is not null) { argv.Add("-I"); argv.Add(source); }
        argv.Add(to);
        var r = Sh.InNetns(from.Name, argv, TimeSpan.FromSeconds(10));
        Assert.True(r.Ok, $"ping {to} from {from}: {r.Stdout}{r.Stderr}");
        Assert.Contains("2 received", r.Stdout);
    }

    [Fact]
    public void PingOverAVeth()
    {
        using var a = new NsRtnl();
        using var b = new NsRtnl();
        a.R.AddVeth("va", "vb", b.T.Ns);
        a.R.AddAddress("va", Ip("10.9.0.1"), 24);
        b.R.AddAddress("vb", Ip("10.9.0.2"), 24);
        a.R.SetUp("va");
        b.R.SetUp("vb");
        Ping(a.T, "10.9.0.2");
        Ping(b.T, "10.9.0.1");
    }

    [Fact]
    public void PingThroughABridgeAndToItsGateway()
    {
        using var node = new NsRtnl();
        using var p1 = new NsRtnl();
        using var p2 = new NsRtnl();
        node.R.AddBridge("cni0");
        node.R.AddAddress("cni0", Ip("10.244.1.1"), 24);
        node.R.SetUp("cni0");
        int i = 0;
        foreach (var (pod, ip) in new[] { (p1, "10.244.1.2"), (p2, "10.244.1.3") })
        {
            string host = "veth" + i++;
            node.R.AddVeth(host, "eth0", pod.T.Ns);
            node.R.SetMaster(host, "cni0");
            node.R.SetUp(host);
            pod.R.AddAddress("eth0", Ip(ip), 24);
            pod.R.SetUp("eth0");
            pod.R.SetUp("lo");
            pod.R.ReplaceRoute(new Route { Gateway = Ip("10.244.1.1") });
        }
        Ping(p1.T, "10.244.1.3");
        Ping(p2.T, "10.244.1.1");
        // The bridge learned both pods' MACs on their ports.
        var p1mac = p1.R.GetLink("eth0").Mac!.Value;
        Assert.Contains(node.R.ListFdb("veth0"), e => e.Mac == p1mac);
    }

    [Fact]
    public void PingOverVxlanUsingProgrammedFdbAndNeighbours()
    {
        using var n1 = new NsRtnl();
        using var n2 = new NsRtnl();
        // Underlay: one veth between the two "nodes".
        n1.R.AddVeth("eth0", "eth0x", n2.T.Ns);
        n2.R.SetName("eth0x", "eth0");
        var nodes = new[] { (n: n1, under: "192.168.80.11", pod: "10.244.1.0", mac: MacAddress.Parse("02:00:00:00:01:00")),
                            (n: n2, under: "192.168.80.12", pod: "10.244.2.0", mac: MacAddress.Parse("02:00:00:00:02:00")) };
        foreach (var x in nodes)
        {
            x.n.R.AddAddress("eth0", Ip(x.under), 24);
            x.n.R.SetUp("eth0");
            x.n.R.AddVxlan("pn-vxlan.1", vni: 1, port: 8472, local: Ip(x.under), underlay: "eth0", learning: false, mac: x.mac);
            x.n.R.AddAddress("pn-vxlan.1", Ip(x.pod), 32);
            x.n.R.SetUp("pn-vxlan.1");
        }
        foreach (var (self, peer) in new[] { (nodes[0], nodes[1]), (nodes[1], nodes[0]) })
        {
            int vx = self.n.R.GetLink("pn-vxlan.1").Index;
            // flannel's vxlan backend: route to the peer's /24 via its VTEP address, on-link;
            // ARP for that address answered statically; the MAC maps to the peer's underlay IP.
            self.n.R.ReplaceRoute(new Route { Destination = new IPNetwork(Ip(peer.pod), 24), Gateway = Ip(peer.pod), OutIndex = vx, OnLink = true });
            self.n.R.ReplaceNeighbour(vx, Ip(peer.pod), peer.mac);
            self.n.R.ReplaceFdb(vx, peer.mac, Ip(peer.under));
        }

        long TxPackets(NsRtnl n) => n.T.IpJson("-s", "link", "show", "dev", "pn-vxlan.1")[0]
            .GetProperty("stats64").GetProperty("tx").GetProperty("packets").GetInt64();
        long before = TxPackets(n1);
        Ping(n1.T, "10.244.2.0", source: "10.244.1.0");
        Assert.True(TxPackets(n1) - before >= 2, "the pings went through the vxlan device");
        // nolearning: the only FDB entries are ours (no learned ones).
        Assert.All(n1.R.ListFdb("pn-vxlan.1").Where(e => e.Destination is not null), e => Assert.True(e.IsPermanent));
        // Without the neighbour entry the overlay breaks (proves the entry carried the traffic).
        n1.R.DeleteNeighbour("pn-vxlan.1", Ip("10.244.2.0"));
        var r = Sh.InNetns(n1.Name, ["ping", "-c", "1", "-W", "1", "-I", "10.244.1.0", "10.244.2.0"], TimeSpan.FromSeconds(10));
        Assert.False(r.Ok);
    }
}
