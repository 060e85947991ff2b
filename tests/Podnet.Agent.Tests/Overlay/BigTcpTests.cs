using System.Text.Json.Nodes;
using Podnet.Agent.Overlay.Config;
using Podnet.Linux.Netlink;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>BIG TCP: on an underlay that carries super-packets above 64 KiB, host-gw hands that size
/// to pods (the conflist's gsoMaxSize), vxlan keeps pods at the 64 KiB its device carries; either
/// way a DF ping at the advertised MTU and bulk TCP in both directions still pass.</summary>
public class BigTcpTests
{
    private const int Big = 196608;

    [Theory]
    [InlineData("host-gw", 1500, Big)]
    [InlineData("vxlan", 1450, 65536)]
    public async Task Pods_get_the_super_packet_size_their_path_carries(string backend, int mtu, int podGso)
    {
        await using var lab = await OverlayLab.StartAsync(
            NetworkConfig.Parse("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"" + backend + "\"}}"), fabricGso: Big);
        var n1 = await lab.AddNodeAsync(1);
        var n2 = await lab.AddNodeAsync(2);
        Assert.Equal(podGso, n1.Agent!.PodGsoMaxSize);
        Assert.Equal(podGso, n2.Agent!.PodGsoMaxSize);
        var conf = JsonNode.Parse(File.ReadAllText(Path.Combine(n1.Dir, "10-podnet.conflist")))!["plugins"]![0]!;
        Assert.Equal(podGso > 65536 ? podGso : null, (int?)conf["gsoMaxSize"]);

        var p1 = lab.AddPod(n1);
        var p2 = lab.AddPod(n2);
        // The attribute really is on the devices (read back over netlink).
        using (var rt = Rtnl.Open(p1.Ns.Ns)) Assert.Equal(podGso, rt.GetLink("eth0").GsoIpv4MaxSize);
        using (var rt = Rtnl.Open(n1.Ns.Ns))
        {
            Assert.Equal(Big, rt.GetLink("eth0").GsoIpv4MaxSize);
            Assert.Equal(podGso, rt.GetLink("cni0").GsoIpv4MaxSize);
            Assert.Equal(podGso, rt.GetLink("veth0").GsoIpv4MaxSize);
            if (backend == "vxlan") Assert.Equal(65536, rt.GetLink("pn-vxlan.1").GsoIpv4MaxSize);
        }

        Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(p1.Ns, p2.Ip))), string.Join("\n", lab.Log));
        Assert.True(Probe.Ping(p1.Ns, p2.Ip, payload: mtu - 28), $"DF ping of {mtu} bytes p1 -> p2");
        Assert.True(Probe.Ping(p2.Ns, p1.Ip, payload: mtu - 28), $"DF ping of {mtu} bytes p2 -> p1");
        Assert.False(Probe.Ping(p1.Ns, p2.Ip, payload: mtu - 27), $"DF ping of {mtu + 1} bytes p1 -> p2 passed: MTU not enforced");
        Assert.True(await Probe.TcpBulkAsync(p1.Ns, p2.Ns, p2.Ip, 32 << 20, TimeSpan.FromSeconds(60)), "bulk TCP p1 -> p2 corrupted or failed");
        Assert.True(await Probe.TcpBulkAsync(p2.Ns, p1.Ns, p1.Ip, 32 << 20, TimeSpan.FromSeconds(60)), "bulk TCP p2 -> p1 corrupted or failed");
    }
}
