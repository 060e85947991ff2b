using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Runtime;
using Podnet.Lab.Topology;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Lab;

/// <summary>
/// <c>lab up --backend B</c>: podnetd overlay on every node carries pod traffic. One 3-node lab per
/// backend, a pod pinned to each node, and the full cross-node matrix over TCP, UDP and ICMP, plus a
/// DF ping at the MTU the agent advertised. vxlan and udp run on the routed topology (nodes on two
/// subnets behind a router: the flat vxlan default is what the cafe tests run on); host-gw runs
/// flat and is refused on the routed topology.
/// </summary>
public sealed class BackendLabTests
{
    private static string Agnhost => Binaries.Path("podnet-agnhost");

    private static JsonObject ServerPod(string name, string node) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["nodeName"] = node, ["terminationGracePeriodSeconds"] = 0,
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "srv", ["image"] = "agnhost",
                ["command"] = new JsonArray("agnhost", "netexec", "--http-port=8080", "--udp-port=8081"),
            }),
        },
    };

    [Theory]
    [InlineData("vxlan", LabTopologyKind.Routed, 1450)]
    [InlineData("udp", LabTopologyKind.Routed, 1472)]
    [InlineData("host-gw", LabTopologyKind.Flat, 1500)]
    public async Task Every_pod_reaches_every_pod_across_nodes_over_tcp_udp_icmp_and_full_size_df_packets(string backend, LabTopologyKind topology, int mtu)
    {
        await using var lab = new TestLab();
        await lab.UpAsync(3, o => o with { Backend = backend, Topology = topology, Dns = false });
        Assert.Contains(lab.Progress, p => p.StartsWith($"nodes: 3 Ready, pod MTU {mtu}"));
        var manifest = LabRuntime.Status(lab.Name).Manifest!;
        Assert.Equal((backend, topology.ToString().ToLowerInvariant(), mtu), (manifest.Backend, manifest.Topology, manifest.PodMtu));
        var agents = LabRuntime.Status(lab.Name).Processes.Where(p => p.Name.StartsWith("overlay-node-")).ToList();
        Assert.Equal(3, agents.Count(p => p.Alive));
        // No kubelet routes: every pod route in node-1 is the agent's.
        var routes = Sh.Run("ip", "-n", lab.Names.NodeNetns(1), "-4", "route", "show", "proto", "static").Check();
        Assert.DoesNotContain("10.244.", routes);

        for (int i = 1; i <= 3; i++) await lab.Api.CreateAsync(ServerPod($"srv{i}", $"node-{i}"));
        var pods = (await lab.WaitForReadyPodsAsync(3, TimeSpan.FromSeconds(30))).OrderBy(p => p.Name()).ToList();
        string Netns(JsonObject p) => lab.Names.PodNetns(p.Uid()!);
        if (topology == LabTopologyKind.Routed)
        {
            Assert.Equal("192.168.81.12", pods[1].AtPath("status.hostIP")); // node-2 is behind the router
            Assert.Contains("via 192.168.80.1 ", Sh.Run("ip", "-n", lab.Names.NodeNetns(1), "route", "get", "192.168.81.12").Check());
        }

        foreach (var p in pods)
        {
            // The pod's link has the advertised MTU: the conflist the kubelet used is the agent's.
            var link = Sh.Run("ip", "-n", Netns(p), "-o", "link", "show", "eth0").Check();
            Assert.Contains($" mtu {mtu} ", link);
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var pairs = (from a in pods from b in pods where a != b select (a, b)).ToList();
        Parallel.ForEach(pairs, new ParallelOptions { MaxDegreeOfParallelism = 3 }, pair =>
        {
            var (a, b) = pair;
            var ip = TestLab.PodIp(b).ToString();
            var what = $"{backend}: {a.Name()}@{a.AtPath("spec.nodeName")} → {b.Name()}@{b.AtPath("spec.nodeName")} ({ip})";
            foreach (var (port, proto) in new[] { (8080, "tcp"), (8081, "udp") })
            {
                var r = Sh.InNetns(Netns(a), [Agnhost, "connect", $"{ip}:{port}", "--protocol", proto, "--timeout", "3s"], TimeSpan.FromSeconds(10));
                if (!r.Ok) failures.Add($"{what} {proto}: {r.Stderr.Trim()}");
            }
            var ping = Sh.InNetns(Netns(a), ["ping", "-c", "1", "-W", "3", ip], TimeSpan.FromSeconds(10));
            if (!ping.Ok) failures.Add($"{what} icmp: {ping.Stdout.Trim()}");
            // Largest packet the pod may send: MTU - 20 (IP) - 8 (ICMP), with DF set.
            var df = Sh.InNetns(Netns(a), ["ping", "-c", "1", "-W", "3", "-M", "do", "-s", (mtu - 28).ToString(), ip], TimeSpan.FromSeconds(10));
            if (!df.Ok) failures.Add($"{what} DF ping of {mtu} bytes: {df.Stdout.Trim()} {df.Stderr.Trim()}");
        });
        Assert.True(failures.IsEmpty, string.Join("\n", failures) + "\n" + lab.Logs());

        // One byte more does not fit: the pod itself refuses it (no black hole further on).
        var over = Sh.InNetns(Netns(pods[0]), ["ping", "-c", "1", "-W", "2", "-M", "do", "-s", (mtu - 27).ToString(), TestLab.PodIp(pods[1]).ToString()], TimeSpan.FromSeconds(10));
        Assert.False(over.Ok);
        Assert.Contains($"mtu={mtu}", over.Stdout + over.Stderr);
    }

    [Fact]
    public async Task Host_gw_on_the_routed_topology_is_refused_naming_the_nodes_behind_the_router_and_builds_nothing()
    {
        var name = new TestLab().Name;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => LabRuntime.UpAsync(TestLab.Options(name, 3) with { Backend = "host-gw", Topology = LabTopologyKind.Routed }));
        Assert.Contains("host-gw", e.Message);
        Assert.Contains("node-2 (192.168.81.12)", e.Message);
        Assert.Contains("L2 segment", e.Message);
        Assert.Contains("vxlan or udp", e.Message);
        Assert.False(LabRuntime.Status(name).Exists);

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => LabRuntime.UpAsync(TestLab.Options(name, 3) with { Backend = "gre" }));
        Assert.Contains("unknown backend \"gre\"", bad.Message);
        Assert.False(LabRuntime.Status(name).Exists);
    }
}
