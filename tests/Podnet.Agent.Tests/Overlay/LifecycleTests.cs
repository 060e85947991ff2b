using System.Diagnostics;
using System.Net.Sockets;
using Podnet.Agent.Overlay.Config;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>Nodes coming and going, agent restarts and repairs, in real namespaces against the real API.</summary>
public class LifecycleTests
{
    private static NetworkConfig Conf(string backend) =>
        NetworkConfig.Parse("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"" + backend + "\"}}");

    /// <summary>Starts a ping between two pods at 20 per second; returns (sent, received) when stopped.</summary>
    private static (Process, Func<(int sent, int recv)>) ContinuousPing(LabPod from, LabPod to)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", from.Ns.Name, "ping", "-n", "-i", "0.05", "-W", "1", "-w", "60", to.Ip.ToString() })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        return (p, () =>
        {
            Sh.Run("kill", "-INT", p.Id.ToString());
            var outp = p.StandardOutput.ReadToEnd();
            p.WaitForExit(5000);
            var m = System.Text.RegularExpressions.Regex.Match(outp, @"(\d+) packets transmitted, (\d+) received");
            return m.Success ? (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)) : (0, 0);
        });
    }

    [Theory]
    [InlineData("vxlan")]
    [InlineData("udp")]
    public async Task Fourth_node_joins_and_leaves_without_touching_traffic_between_the_others(string backend)
    {
        await using var lab = await OverlayLab.StartAsync(Conf(backend));
        for (int i = 1; i <= 3; i++) await lab.AddNodeAsync(i);
        var pods = lab.Nodes.Select(n => lab.AddPod(n)).ToList();
        Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(pods[0].Ns, pods[1].Ip))));

        var (proc, stop) = ContinuousPing(pods[0], pods[1]);
        using (proc)
        {
            await Task.Delay(500);
            var n4 = await lab.AddNodeAsync(4, tweak: o => o with { ReleaseOnExit = true });
            var p4 = lab.AddPod(n4);
            foreach (var p in pods)
            {
                Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(p.Ns, p4.Ip))), $"{p} -> {p4}");
                Assert.True(Probe.Ping(p4.Ns, p.Ip), $"{p4} -> {p}");
            }
            var sub4 = n4.Agent!.Lease!.Subnet;
            await n4.StopAgentAsync(); // releases the lease: the node leaves
            lab.Remove(p4.Ns);
            lab.Remove(n4.Ns);

            // Every remaining node drops its route (and for vxlan neighbour and FDB entry) to node-4.
            foreach (var n in lab.Nodes.Take(3))
            {
                using var rt = Rtnl.Open(n.Ns.Ns);
                Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(
                    !rt.ListRoutes(AddressFamily.InterNetwork).Any(r => r.Destination == sub4)
                    && (backend != "vxlan" || (!rt.ListNeighbours("pn-vxlan.1").Any(x => x.Ip.Equals(sub4.BaseAddress))
                        && !rt.ListFdb("pn-vxlan.1").Any(f => Equals(f.Destination, n4.Ip)))))), $"{n.Name} still routes to node-4's {sub4}");
                if (backend == "udp")
                    Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(!Probe.Ping(n.Pods[0].Ns, Ip4.Nth(sub4, 10)))));
            }
            await Task.Delay(1500); // keep pinging a while after node-4 left
            var (sent, recv) = stop();
            Assert.True(sent > 20, $"ping ran: {sent} sent");
            Assert.Equal(sent, recv); // not one packet lost between node-1 and node-2
        }
    }

    [Fact]
    public async Task Agent_restart_keeps_traffic_flowing_and_keeps_the_subnet()
    {
        await using var lab = await OverlayLab.StartAsync(Conf("vxlan"));
        for (int i = 1; i <= 2; i++) await lab.AddNodeAsync(i);
        var pods = lab.Nodes.Select(n => lab.AddPod(n)).ToList();
        Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(pods[0].Ns, pods[1].Ip))));
        var n1 = lab.Nodes[0];
        var before = n1.Agent!.Lease!;
        using var rt = Rtnl.Open(n1.Ns.Ns);
        var devBefore = rt.GetLink("pn-vxlan.1");

        var (proc, stop) = ContinuousPing(pods[0], pods[1]);
        using (proc)
        {
            await Task.Delay(300);
            for (int k = 0; k < 3; k++)
            {
                await n1.StopAgentAsync();
                await Task.Delay(200);
                await n1.StartAgentAsync();
                await Task.Delay(200);
            }
            var (sent, recv) = stop();
            Assert.True(sent > 10);
            Assert.Equal(sent, recv);
        }
        Assert.Equal(before.Subnet, n1.Agent!.Lease!.Subnet);
        var devAfter = rt.GetLink("pn-vxlan.1");
        Assert.Equal((devBefore.Index, devBefore.Mac), (devAfter.Index, devAfter.Mac)); // adopted, not recreated
    }

    [Fact]
    public async Task Changed_vtep_mac_is_repaired_on_every_other_node()
    {
        await using var lab = await OverlayLab.StartAsync(Conf("vxlan"));
        for (int i = 1; i <= 3; i++) await lab.AddNodeAsync(i);
        var pods = lab.Nodes.Select(n => lab.AddPod(n)).ToList();
        var n2 = lab.Nodes[1];
        var oldMac = n2.Agent!.Lease!.VtepMac!.Value;
        await n2.StopAgentAsync();
        n2.Ns.Ip("link", "del", "pn-vxlan.1").Check(); // e.g. the node was rebuilt
        await n2.StartAgentAsync();
        var newMac = n2.Agent!.Lease!.VtepMac!.Value;
        Assert.NotEqual(oldMac, newMac);
        foreach (var n in new[] { lab.Nodes[0], lab.Nodes[2] })
        {
            using var rt = Rtnl.Open(n.Ns.Ns);
            Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(
                rt.ListNeighbours("pn-vxlan.1").Any(x => x.Ip.Equals(n2.Agent.Lease.Subnet.BaseAddress) && x.Mac == newMac)
                && rt.ListFdb("pn-vxlan.1").Any(f => f.Mac == newMac && Equals(f.Destination, n2.Ip))
                && !rt.ListFdb("pn-vxlan.1").Any(f => f.Mac == oldMac))), $"{n.Name} not repaired");
            var from = n.Pods[0];
            Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(from.Ns, pods[1].Ip))));
        }
    }

    [Fact]
    public async Task Host_gw_refuses_nodes_behind_a_router_while_vxlan_and_udp_cross_it()
    {
        foreach (var backend in new[] { "host-gw", "vxlan", "udp" })
        {
            await using var lab = await OverlayLab.StartAsync(Conf(backend), routed: true);
            var a = await lab.AddNodeAsync(1, subnet: 0);
            var b = await lab.AddNodeAsync(2, subnet: 1);
            var pa = lab.AddPod(a);
            var pb = lab.AddPod(b);
            await lab.SettleAsync();
            if (backend == "host-gw")
            {
                Assert.Contains("host-gw cannot route " + b.Agent!.Lease!.Subnet + " to node node-2: its address 192.168.81.12 is not on the same L2 segment as eth0 (192.168.80.0/24)", a.Agent!.LastProblems);
                using var rt = Rtnl.Open(a.Ns.Ns);
                Assert.DoesNotContain(rt.ListRoutes(AddressFamily.InterNetwork), r => r.Destination == b.Agent.Lease.Subnet);
            }
            else
            {
                Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(pa.Ns, pb.Ip))), backend);
                Assert.Equal(pa.Ip, await Probe.TcpAsync(pa.Ns, pb.Ns, pb.Ip));
                Assert.True(Probe.Ping(pa.Ns, pb.Ip, payload: pa.Mtu - 28), $"{backend}: DF ping at MTU {pa.Mtu} across the router");
            }
        }
    }
}
