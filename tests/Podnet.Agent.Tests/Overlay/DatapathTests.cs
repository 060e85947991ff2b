using System.Net;
using System.Net.Sockets;
using Podnet.Agent.Overlay.Config;
using Podnet.Linux.Netlink;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>Three nodes per backend in real namespaces: every pod reaches every pod on another
/// node over ICMP, TCP and UDP without NAT, and a DF ping at the advertised MTU passes.</summary>
public class DatapathTests
{
    public static TheoryData<string, int> Backends => new() { { "vxlan", 1450 }, { "host-gw", 1500 }, { "udp", 1472 } };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Full_pod_matrix_across_three_nodes(string backend, int mtu)
    {
        await using var lab = await OverlayLab.StartAsync(NetworkConfig.Parse("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"" + backend + "\"}}"));
        for (int i = 1; i <= 3; i++) await lab.AddNodeAsync(i);
        var pods = lab.Nodes.Select(n => lab.AddPod(n)).ToList();
        Assert.All(pods, p => Assert.Equal(mtu, p.Mtu));
        Assert.Equal(3, pods.Select(p => p.Node.Agent!.Lease!.Subnet).Distinct().Count());

        var failures = new List<string>();
        foreach (var a in pods)
        foreach (var b in pods.Where(b => b != a))
        {
            if (!await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(a.Ns, b.Ip)))) failures.Add($"icmp {a} -> {b}");
            var tcp = await Probe.TcpAsync(a.Ns, b.Ns, b.Ip);
            if (!a.Ip.Equals(tcp)) failures.Add($"tcp {a} -> {b}: server saw {tcp?.ToString() ?? "nothing"}");
            var udp = await Probe.UdpAsync(a.Ns, b.Ns, b.Ip);
            if (!a.Ip.Equals(udp)) failures.Add($"udp {a} -> {b}: server saw {udp?.ToString() ?? "nothing"}");
            if (!Probe.Ping(a.Ns, b.Ip, payload: mtu - 28)) failures.Add($"DF ping of {mtu} bytes {a} -> {b}");
        }
        // Nodes reach remote pods too (kubelet probes, hostNetwork pods).
        foreach (var n in lab.Nodes)
        foreach (var p in pods.Where(p => p.Node != n))
            if (!Probe.Ping(n.Ns, p.Ip)) failures.Add($"icmp {n.Name} -> {p}");
        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + string.Join("\n", lab.Log));
        // vxlan: zero outer UDP checksums (RFC 7348), so the matrix above ran with them.
        if (backend == "vxlan") Assert.Contains(" noudpcsum ", lab.Nodes[0].Ns.Exec("ip", "-d", "link", "show", "pn-vxlan.1").Check());

        // Node-side files: subnet.env and the conflist carry the subnet and MTU.
        var n1 = lab.Nodes[0];
        var env = File.ReadAllText(Path.Combine(n1.Dir, "subnet.env"));
        var sub = n1.Agent!.Lease!.Subnet;
        Assert.Contains($"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET={Ip4.Nth(sub, 1)}/24\nFLANNEL_MTU={mtu}\nFLANNEL_IPMASQ=true\n", env);
        var conf = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(n1.Dir, "10-podnet.conflist")))!;
        Assert.Equal(mtu, (int)conf["plugins"]![0]!["mtu"]!);
        Assert.Equal(sub.ToString(), (string)conf["plugins"]![0]!["ipam"]!["ranges"]![0]![0]!["subnet"]!);
    }

    [Fact]
    public async Task Udp_backend_carries_bulk_tcp_intact_as_super_packets()
    {
        await using var lab = await OverlayLab.StartAsync(NetworkConfig.Parse("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}"));
        var n1 = await lab.AddNodeAsync(1);
        var n2 = await lab.AddNodeAsync(2);
        var p1 = lab.AddPod(n1);
        var p2 = lab.AddPod(n2);
        Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(p1.Ns, p2.Ip))), string.Join("\n", lab.Log));
        // 32 MB each way: TSO super-packets out of pn-tun0, UDP GSO segments, GRO, reassembly, split of
        // packets too big for one send, and checksums completed on the way; a hash checks every byte.
        Assert.True(await Probe.TcpBulkAsync(p1.Ns, p2.Ns, p2.Ip, 32 << 20, TimeSpan.FromSeconds(60)), "bulk TCP p1 -> p2 corrupted or failed");
        Assert.True(await Probe.TcpBulkAsync(p2.Ns, p1.Ns, p1.Ip, 32 << 20, TimeSpan.FromSeconds(60)), "bulk TCP p2 -> p1 corrupted or failed");
        // The TUN handed out super-packets: far fewer packets than MTU-sized ones would need.
        var stats = System.Text.Json.JsonDocument.Parse(n1.Ns.Exec("ip", "-j", "-s", "link", "show", "pn-tun0").Check()).RootElement[0].GetProperty("stats64").GetProperty("tx");
        long bytes = stats.GetProperty("bytes").GetInt64(), packets = stats.GetProperty("packets").GetInt64();
        Assert.True(bytes >= 32 << 20, $"pn-tun0 sent only {bytes} bytes");
        Assert.True(bytes / packets > 4 * 1472, $"pn-tun0 sent {packets} packets for {bytes} bytes: no super-packets");
    }

    [Fact]
    public async Task Vxlan_programs_one_route_neighbour_and_fdb_entry_per_remote_node()
    {
        await using var lab = await OverlayLab.StartAsync(NetworkConfig.Default);
        for (int i = 1; i <= 3; i++) await lab.AddNodeAsync(i);
        await lab.SettleAsync();
        var n1 = lab.Nodes[0];
        using var rt = Rtnl.Open(n1.Ns.Ns);
        var dev = rt.GetLink("pn-vxlan.1");
        Assert.Equal(("vxlan", 1u, (ushort)8472, 1450), (dev.Kind, dev.Vxlan!.Vni, dev.Vxlan.Port, dev.Mtu));
        Assert.Equal(n1.Agent!.Lease!.VtepMac, dev.Mac);
        foreach (var other in lab.Nodes.Skip(1))
        {
            var l = other.Agent!.Lease!;
            var routes = rt.ListRoutes(AddressFamily.InterNetwork).Where(r => r.Destination == l.Subnet).ToList();
            var r = Assert.Single(routes);
            Assert.Equal((l.Subnet.BaseAddress, dev.Index, true), (r.Gateway, r.OutIndex, r.OnLink));
            var n = Assert.Single(rt.ListNeighbours(dev.Index, AddressFamily.InterNetwork), x => x.Ip.Equals(l.Subnet.BaseAddress));
            Assert.True(n.IsPermanent);
            Assert.Equal(l.VtepMac, n.Mac);
            var f = Assert.Single(rt.ListFdb(dev.Index), x => x.Mac == l.VtepMac);
            Assert.Equal(other.Ip, f.Destination);
        }
        Assert.Equal(2, rt.ListFdb(dev.Index).Count(f => f.Destination is not null));
    }

    [Fact]
    public async Task Egress_to_the_outside_world_is_masqueraded_pod_to_pod_is_not()
    {
        await using var lab = await OverlayLab.StartAsync(NetworkConfig.Default);
        var n1 = await lab.AddNodeAsync(1);
        var n2 = await lab.AddNodeAsync(2);
        var p1 = lab.AddPod(n1);
        var p2 = lab.AddPod(n2);
        using var outside = new Podnet.Testing.TestNetns("ovo");
        Podnet.Testing.Sh.Run("ip", "-n", n1.Ns.Name, "link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", outside.Name).Check();
        n1.Ns.Ip("addr", "add", "203.0.113.1/24", "dev", "ext0").Check();
        n1.Ns.Ip("link", "set", "ext0", "up").Check();
        outside.Ip("addr", "add", "203.0.113.10/24", "dev", "eth0").Check();
        outside.Ip("link", "set", "eth0", "up").Check();
        var ext = IPAddress.Parse("203.0.113.10");

        Assert.Equal(IPAddress.Parse("203.0.113.1"), await Probe.TcpAsync(p1.Ns, outside, ext));
        Assert.Equal(IPAddress.Parse("203.0.113.1"), await Probe.UdpAsync(p1.Ns, outside, ext));
        Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(p2.Ns, p1.Ip))));
        Assert.Equal(p2.Ip, await Probe.TcpAsync(p2.Ns, p1.Ns, p1.Ip));
        // Programmed over netlink; nft reads it back as the rules flanneld --ip-masq would write.
        var table = n1.Ns.Exec("nft", "list", "table", "ip", "podnet-overlay").Check();
        Assert.Contains("type nat hook postrouting priority srcnat; policy accept;", table);
        Assert.Contains("ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/16 return", table);
        Assert.Contains("ip saddr 10.244.0.0/16 ip daddr 224.0.0.0/4 return", table);
        Assert.Single(table.Split('\n'), l => l.Trim() == "ip saddr 10.244.0.0/16 masquerade");
        // Applying again (an agent restart) replaces the table atomically: still one set of rules.
        Podnet.Agent.Overlay.Node.Masquerade.Apply(n1.Ns.Ns, NetworkConfig.Default.Network);
        Assert.Equal(table, n1.Ns.Exec("nft", "list", "table", "ip", "podnet-overlay").Check());
    }
}
