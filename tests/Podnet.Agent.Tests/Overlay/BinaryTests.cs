using System.Diagnostics;
using System.Net.Sockets;
using Podnet.Agent.Overlay.Config;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>The real podnetd binary: config errors stop it before it programs anything, and
/// restarting it (even kill -9) does not interrupt a running iperf3 TCP stream between pods.</summary>
public class BinaryTests
{
    [Theory]
    [InlineData("""{"Network":"10.244.0.0/33"}""", "Network \"10.244.0.0/33\" is not a valid CIDR")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":8}""", "SubnetLen 8 must be larger than the prefix length of Network 10.244.0.0/16")]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"wireguard"}}""", "unknown Backend.Type \"wireguard\"")]
    [InlineData("""{"Network": }""", "not valid JSON")]
    [InlineData("""{"Network": 10.244}""", "Network must be a string")]
    public async Task Malformed_config_stops_podnetd_naming_the_problem_and_programs_nothing(string conf, string expected)
    {
        await using var lab = await OverlayLab.StartAsync(NetworkConfig.Default);
        var node = await lab.AddNodeAsync(1, agent: false);
        Directory.CreateDirectory(node.Dir);
        var confFile = Path.Combine(node.Dir, "net-conf.json");
        File.WriteAllText(confFile, conf);
        var linksBefore = node.Ns.Ip("-o", "link").Check();
        var routesBefore = node.Ns.Ip("-4", "route", "show", "table", "all").Check();
        using var d = new Podnetd(node, lab.Api.Socket, "--net-conf", confFile);
        Assert.Equal(2, d.WaitExit(TimeSpan.FromSeconds(20)));
        Assert.Contains(confFile, d.Log);
        Assert.Contains(expected, d.Log);
        Assert.Equal(linksBefore, node.Ns.Ip("-o", "link").Check());
        Assert.Equal(routesBefore, node.Ns.Ip("-4", "route", "show", "table", "all").Check());
        Assert.Equal("0", node.Ns.Exec("sysctl", "-n", "net.ipv4.ip_forward").Check().Trim());
        Assert.DoesNotContain("podnet-overlay", node.Ns.Exec("nft", "list", "ruleset").Stdout);
        Assert.False(File.Exists(node.SubnetFile));
        using var c = lab.Api.Client();
        Assert.Empty((await c.ListAsync(LeaseJson.Resource)).Items);
    }

    [Theory]
    [InlineData("vxlan")]
    [InlineData("udp")]
    public async Task Iperf3_stream_survives_podnetd_restarts(string backend)
    {
        await using var lab = await OverlayLab.StartAsync(NetworkConfig.Default);
        var nodes = new[] { await lab.AddNodeAsync(1, agent: false), await lab.AddNodeAsync(2, agent: false) };
        var procs = new Podnetd?[2];
        try
        {
            for (int i = 0; i < 2; i++)
            {
                var t0 = DateTime.UtcNow;
                procs[i] = new Podnetd(nodes[i], lab.Api.Socket, "--backend", backend);
                await procs[i]!.WaitReadyAsync(nodes[i], t0.AddSeconds(-1));
            }
            var p1 = lab.AddPod(nodes[0]);
            var p2 = lab.AddPod(nodes[1]);
            Assert.True(await Probe.EventuallyAsync(() => Task.FromResult(Probe.Ping(p1.Ns, p2.Ip))), string.Join("\n", procs.Select(p => p!.Log)));

            using var server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", p2.Ns.Name, "iperf3", "-s", "-1", "-p", "5201"]) { RedirectStandardOutput = true })!;
            await Task.Delay(300);
            var client = Task.Run(() => Sh.InNetns(p1.Ns.Name, ["iperf3", "-c", p2.Ip.ToString(), "-p", "5201", "-t", "10", "-J", "-b", "200M"], TimeSpan.FromSeconds(30)));
            await Task.Delay(1500);
            // node-1: SIGKILL (no goodbye at all); node-2: SIGTERM. Both come back.
            procs[0]!.Signal("KILL");
            procs[0]!.WaitExit(TimeSpan.FromSeconds(5));
            procs[1]!.Signal("TERM");
            Assert.Equal(0, procs[1]!.WaitExit(TimeSpan.FromSeconds(10)));
            for (int i = 0; i < 2; i++)
            {
                procs[i]!.Dispose();
                var t0 = DateTime.UtcNow;
                procs[i] = new Podnetd(nodes[i], lab.Api.Socket, "--backend", backend);
                await procs[i]!.WaitReadyAsync(nodes[i], t0.AddSeconds(-1));
            }
            var r = await client;
            Assert.True(r.Ok, r.Stderr + r.Stdout);
            var json = System.Text.Json.Nodes.JsonNode.Parse(r.Stdout)!;
            Assert.Null(json["error"]);
            var intervals = json["intervals"]!.AsArray();
            Assert.True(intervals.Count >= 9, r.Stdout);
            if (backend == "vxlan")
            {
                // Kernel datapath: bytes moved in every second of the stream, through both restarts.
                foreach (var iv in intervals)
                    Assert.True((double)iv!["sum"]!["bytes"]! > 0, "a one-second interval moved nothing:\n" + r.Stdout);
            }
            else
            {
                // Userspace datapath: packets wait while no process reads pn-tun0 (TCP retransmits
                // them); the connection survives and carries data again after the restart.
                Assert.True(intervals.TakeLast(3).Sum(iv => (double)iv!["sum"]!["bytes"]!) > 0, "no data after the restart:\n" + r.Stdout);
            }
            server.WaitForExit(5000);
            Assert.Equal(p1.Ip, await Probe.TcpAsync(p1.Ns, p2.Ns, p2.Ip));
        }
        finally { foreach (var p in procs) p?.Dispose(); }
    }
}
