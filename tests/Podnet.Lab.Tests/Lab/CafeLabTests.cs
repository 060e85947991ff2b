using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Pods;
using Podnet.Lab.Runtime;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Lab;

/// <summary>The must-holds on a real 3-node lab running the cafe example.</summary>
[Collection("cafe")]
public sealed class CafeLabTests(CafeLabFixture f)
{
    private static string Agnhost => Binaries.Path("podnet-agnhost");

    private ShResult Connect(string fromNetns, IPAddress ip, int port, string proto) =>
        Sh.InNetns(fromNetns, [Agnhost, "connect", $"{ip}:{port}", "--protocol", proto, "--timeout", "3s"], TimeSpan.FromSeconds(10));

    private string NodeOf(JsonObject pod) => pod.AtPath("spec.nodeName")!;

    [Fact]
    public void Pods_spread_over_the_nodes_and_each_ip_lies_in_its_nodes_podCIDR()
    {
        Assert.Equal(3, f.Nodes.Count);
        Assert.True(f.Pods.Select(NodeOf).Distinct().Count() >= 2, "the scheduler put every pod on one node");
        var cidrs = f.Nodes.ToDictionary(n => n.Name()!, n => IPNetwork.Parse(n.AtPath("spec.podCIDR")!));
        Assert.Equal(3, cidrs.Values.Distinct().Count());
        foreach (var pod in f.Pods)
        {
            var ip = TestLab.PodIp(pod);
            Assert.True(cidrs[NodeOf(pod)].Contains(ip), $"{pod.Name()} has {ip}, outside {NodeOf(pod)}'s {cidrs[NodeOf(pod)]}");
            // The address is real: the pod's eth0 in its own namespace carries it.
            var addr = Sh.Run("ip", "-n", f.NetnsOf(pod), "-4", "-o", "addr", "show", "dev", "eth0").Check();
            Assert.Contains($"inet {ip}/24", addr);
        }
        Assert.Equal(f.Pods.Count, f.Pods.Select(TestLab.PodIp).Distinct().Count());
    }

    [Fact]
    public void Every_pod_reaches_every_other_pod_over_tcp_and_udp()
    {
        var pairs = (from a in f.Pods from b in f.Pods where a != b select (a, b)).ToList();
        Assert.Contains(pairs, p => NodeOf(p.a) == NodeOf(p.b));
        Assert.Contains(pairs, p => NodeOf(p.a) != NodeOf(p.b));
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(pairs, new ParallelOptions { MaxDegreeOfParallelism = 4 }, p =>
        {
            foreach (var (port, proto) in new[] { (8080, "tcp"), (8081, "udp") })
            {
                var r = Connect(f.NetnsOf(p.a), TestLab.PodIp(p.b), port, proto);
                if (!r.Ok) failures.Add($"{p.a.Name()}@{NodeOf(p.a)} → {p.b.Name()}@{NodeOf(p.b)} {proto}/{port}: {r.Stderr.Trim()}");
            }
        });
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
    }

    [Fact]
    public void A_pod_sees_the_other_pods_address_unchanged_across_nodes()
    {
        var (a, b) = (from x in f.Pods from y in f.Pods where NodeOf(x) != NodeOf(y) select (x, y)).First();
        var seen = Sh.InNetns(f.NetnsOf(a), "curl", "-sS", "--max-time", "3", $"http://{TestLab.PodIp(b)}:8080/clientip").Check();
        Assert.StartsWith(TestLab.PodIp(a) + ":", seen);
    }

    [Fact]
    public void Every_node_reaches_every_pod()
    {
        var failures = new List<string>();
        for (int i = 1; i <= 3; i++)
            foreach (var pod in f.Pods)
                foreach (var (port, proto) in new[] { (8080, "tcp"), (8081, "udp") })
                {
                    var r = Connect(f.Lab.Names.NodeNetns(i), TestLab.PodIp(pod), port, proto);
                    if (!r.Ok) failures.Add($"node-{i} → {pod.Name()}@{NodeOf(pod)} {proto}: {r.Stderr.Trim()}");
                }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Two_containers_of_one_pod_talk_over_localhost()
    {
        // The sidecar curls the client container on localhost:8080 until it answers, then logs it.
        var log = new StringWriter();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!log.ToString().Contains("answered over localhost") && DateTime.UtcNow < deadline)
        {
            log = new StringWriter();
            await PodLogs.WriteAsync(f.Lab.Name, "default", "client", "sidecar", log);
            await Task.Delay(100);
        }
        Assert.Equal("client answered over localhost", log.ToString().Trim());
        // And exec runs in the same namespace: localhost:8080 is the client container.
        using var p = PodExec.Start(f.Lab.Name, "default", "client", "sidecar", ["curl", "-sS", "http://127.0.0.1:8080/hostname"], redirect: true);
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal("client", output);
    }

    [Fact]
    public async Task Exec_sees_the_kubelets_resolv_conf_and_logs_need_a_container_name_when_ambiguous()
    {
        using var p = PodExec.Start(f.Lab.Name, "default", "client", null, ["cat", "/etc/resolv.conf"], redirect: true);
        var resolv = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Contains("nameserver 10.96.0.10", resolv);
        Assert.Contains("search default.svc.cluster.local svc.cluster.local cluster.local", resolv);
        Assert.Contains("options ndots:5", resolv);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => PodLogs.WriteAsync(f.Lab.Name, "default", "client", null, TextWriter.Null));
        Assert.Contains("client, sidecar", e.Message);
        var missing = Assert.Throws<InvalidOperationException>(() => PodExec.Start(f.Lab.Name, "default", "nope", null, ["true"], false));
        Assert.Contains("default/nope", missing.Message);
    }

    [Fact]
    public void The_outside_world_reaches_the_nodes_but_no_pod()
    {
        Assert.True(Sh.InNetns(f.Lab.Names.OutsideNetns, "ping", "-c", "1", "-W", "2", LabNames.NodeIp(2).ToString()).Ok);
        var pod = f.Pods[0];
        var r = Connect(f.Lab.Names.OutsideNetns, TestLab.PodIp(pod), 8080, "tcp");
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public async Task Lab_up_on_an_existing_lab_reports_it_and_leaves_it_working()
    {
        var e = await Assert.ThrowsAsync<LabExistsException>(() => LabRuntime.UpAsync(TestLab.Options(f.Lab.Name, 2)));
        Assert.Contains($"lab \"{f.Lab.Name}\" already exists", e.Message);
        Assert.Contains("3 nodes", e.Message);
        var status = LabRuntime.Status(f.Lab.Name);
        Assert.True(status.Healthy, status.Summary);
        Assert.Contains(LabRuntime.List(), l => l.Name == f.Lab.Name);
        var pod = f.Pods[0];
        Assert.True(Connect(f.Lab.Names.NodeNetns(1), TestLab.PodIp(pod), 8080, "tcp").Ok);
    }

    [Fact]
    public async Task A_pod_reaches_the_coffee_service_clusterip_and_the_load_spreads_over_every_backend_across_nodes()
    {
        var coffee = f.Pods.Where(p => p.Name()!.StartsWith("coffee-")).ToList();
        Assert.Equal(2, coffee.Count);
        // The client pod, unless both coffee pods share its node: then a tea pod on another node.
        var from = f.Pods.Where(p => !p.Name()!.StartsWith("coffee-")).OrderBy(p => p.Name() == "client" ? 0 : 1)
            .First(p => coffee.Any(c => NodeOf(c) != NodeOf(p)));
        var svc = await f.Lab.Api.GetAsync(ApiResources.Services, "default", "coffee");
        var clusterIp = IPAddress.Parse(svc.AtPath("spec.clusterIP")!);
        Assert.False(f.Pods.Any(p => TestLab.PodIp(p).Equals(clusterIp)), "the ClusterIP is a pod's address");
        string url = $"http://{clusterIp}:80/hostname";

        // The proxies sync asynchronously: wait (bounded) for the first answer, then count.
        var first = DateTime.UtcNow.AddSeconds(5);
        ShResult r;
        while (!(r = Sh.InNetns(f.NetnsOf(from), ["curl", "-sS", "--max-time", "1", url], TimeSpan.FromSeconds(5))).Ok && DateTime.UtcNow < first)
            await Task.Delay(100);
        Assert.True(r.Ok, $"{from.Name()}@{NodeOf(from)} → coffee {url}: {r.Stderr.Trim()}\n{f.Lab.Logs()}");

        var hits = new Dictionary<string, int>();
        for (int i = 0; i < 20; i++)
        {
            var name = Sh.InNetns(f.NetnsOf(from), ["curl", "-sS", "--max-time", "2", url], TimeSpan.FromSeconds(5)).Check().Trim();
            hits[name] = hits.GetValueOrDefault(name) + 1;
        }
        string seen = string.Join(", ", hits.Select(h => $"{h.Key}×{h.Value}"));
        // Every answer comes from a coffee pod, and every coffee pod answers (2 endpoints, 20 tries).
        Assert.True(hits.Keys.All(n => coffee.Any(c => c.Name() == n)), $"answers not from coffee pods: {seen}");
        Assert.Equal(coffee.Select(c => c.Name()!).Order(), hits.Keys.Order());
        Assert.Contains(coffee, c => NodeOf(c) != NodeOf(from) && hits.ContainsKey(c.Name()!));
    }
}
