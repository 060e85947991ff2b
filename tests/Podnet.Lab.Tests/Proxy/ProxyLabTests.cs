using System.Diagnostics;
using System.Net;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab;
using Podnet.Testing;
using static Podnet.Lab.Tests.Proxy.ProxyLabFixture;

namespace Podnet.Lab.Tests.Proxy;

/// <summary>The service proxy's must-holds (issue 5) on a real 3-node lab: real pods, real packets.</summary>
[Collection("proxy-lab")]
public sealed class ProxyLabTests(ProxyLabFixture f)
{
    private string Client => f.NetnsOf("client");
    private string Outside => f.Lab.Names.OutsideNetns;
    private static string Node(int i) => LabNames.NodeIp(i).ToString();

    private List<string> Hostnames(string netns, string url, int count) =>
        Enumerable.Range(0, count).Select(_ => Curl(netns, url).Check().Trim()).ToList();

    [Fact]
    public async Task A_pod_reaches_a_ClusterIP_backed_by_pods_on_other_nodes_and_load_spreads_over_them()
    {
        var url = $"http://{await f.ClusterIpAsync("web")}/hostname";
        await f.FirstAnswerAsync(Client, url, TimeSpan.FromSeconds(10));
        var seen = Hostnames(Client, url, 20);
        Assert.Equal(["web-1", "web-2"], seen.Distinct().Order()); // client is on node-3, the web pods on 1 and 2
        // Pod to service keeps the pod's address (no masquerade inside the cluster).
        var clientIp = Curl(Client, $"http://{await f.ClusterIpAsync("web")}/clientip").Check();
        Assert.StartsWith(f.Pods["client"].AtPath("status.podIP") + ":", clientIp);
    }

    [Fact]
    public async Task Session_affinity_ClientIP_pins_a_client_with_the_services_timeout()
    {
        var url = $"http://{await f.ClusterIpAsync("web-sticky")}/hostname";
        await f.FirstAnswerAsync(Client, url, TimeSpan.FromSeconds(10));
        var seen = Hostnames(Client, url, 15);
        Assert.Single(seen.Distinct());
        // The node remembers the client for sessionAffinityConfig.clientIP.timeoutSeconds (60 s), not the default 3 h.
        var table = Sh.InNetns(f.Lab.Names.NodeNetns(3), "nft", "list", "table", "ip", "podnet-proxy").Check();
        var sets = table.Split("set affinity-default/web-sticky/tcp/http__").Skip(1).Select(x => x[..x.IndexOf('}')]).ToList();
        Assert.Equal(2, sets.Count); // one per endpoint
        Assert.All(sets, s => Assert.Contains("timeout 1m", s));
        Assert.Single(sets, s => s.Contains(f.Pods["client"].AtPath("status.podIP")! + " expires"));
    }

    [Fact]
    public async Task An_endpoint_removed_from_the_service_stops_getting_traffic_within_a_second()
    {
        var url = $"http://{await f.ClusterIpAsync("churn")}/hostname";
        await f.FirstAnswerAsync(Client, url, TimeSpan.FromSeconds(10));
        Assert.Equal(["churn-a", "churn-b"], Hostnames(Client, url, 16).Distinct().Order());

        // churn-a leaves the service (its label changes): the endpoint controller drops it, every proxy follows.
        await f.Lab.Api.PatchAsync(ApiResources.Pods, "default", "churn-a", new() { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["labels"] = new System.Text.Json.Nodes.JsonObject { ["app"] = "churn-gone" } } });
        var clock = Stopwatch.StartNew();
        TimeSpan lastA = TimeSpan.Zero;
        int after = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            var sent = clock.Elapsed;
            var r = Curl(Client, url, 1);
            if (r.Ok && r.Stdout.Trim() == "churn-a") lastA = sent;
            if (sent > TimeSpan.FromSeconds(1)) { Assert.True(r.Ok, r.Stderr); after++; }
        }
        Assert.True(lastA < TimeSpan.FromSeconds(1), $"churn-a still answered a request sent {lastA.TotalMilliseconds:F0} ms after it left the service");
        Assert.True(after >= 5, $"only {after} requests after the first second");
    }

    [Fact]
    public async Task NodePort_works_from_the_outside_world_on_every_node_and_is_masqueraded()
    {
        for (int i = 1; i <= 3; i++)
        {
            var answer = await f.FirstAnswerAsync(Outside, $"http://{Node(i)}:{NodePort}/hostname", TimeSpan.FromSeconds(10));
            Assert.StartsWith("web-", answer);
            // Policy Cluster: the endpoint sees a node's address, not the client's.
            var source = Curl(Outside, $"http://{Node(i)}:{NodePort}/clientip").Check();
            Assert.False(source.StartsWith(LabNames.OutsideIp + ":"), $"node-{i}: {source}");
        }
    }

    [Fact]
    public async Task ExternalTrafficPolicy_Local_keeps_the_client_address_drops_without_a_local_endpoint_and_reports_health()
    {
        // node-1 has web-1: the endpoint sees the outside client itself.
        var source = await f.FirstAnswerAsync(Outside, $"http://{Node(1)}:{LocalNodePort}/clientip", TimeSpan.FromSeconds(10));
        Assert.StartsWith(LabNames.OutsideIp + ":", source);
        Assert.Equal("web-1", Curl(Outside, $"http://{Node(1)}:{LocalNodePort}/hostname").Check().Trim()); // only the local endpoint
        // node-3 has none: dropped (a load balancer would not send there), not rejected.
        var r = Curl(Outside, $"http://{Node(3)}:{LocalNodePort}/hostname", 1.5);
        Assert.Equal(28, r.ExitCode); // curl: operation timed out
        // The health-check node port says so: 200 with a local endpoint, 503 without.
        string Code(int node) => Sh.InNetns(Outside, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
            $"http://{Node(node)}:{HealthCheckPort}/").Stdout.Trim();
        Assert.Equal("200", Code(1));
        Assert.Equal("200", Code(2));
        Assert.Equal("503", Code(3));
        // A pod on node-3 still reaches the service through its nodeport on node-3 (cluster side).
        Assert.StartsWith("web-", Curl(Client, $"http://{Node(3)}:{LocalNodePort}/hostname").Check());
    }

    [Fact]
    public async Task Hairpin_a_pod_reaches_itself_through_its_service()
    {
        var answer = await f.FirstAnswerAsync(Client, $"http://{await f.ClusterIpAsync("self")}/hostname", TimeSpan.FromSeconds(10));
        Assert.Equal("client", answer);
    }

    [Fact]
    public async Task A_service_without_endpoints_refuses_at_once_instead_of_hanging()
    {
        var ip = await f.ClusterIpAsync("empty");
        // A reject (ICMP port unreachable) makes connect() fail with ECONNREFUSED at once; a drop would time out.
        string Try() => Sh.InNetns(Client, "python3", "-c", $"""
import socket, time
t = time.monotonic()
try: socket.create_connection(('{ip}', 80), timeout=3); print('connected')
except ConnectionRefusedError: print('refused %.3f' % (time.monotonic() - t))
except OSError as e: print('error %s %.3f' % (e, time.monotonic() - t))
""").Check().Trim();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string r;
        while (!(r = Try()).StartsWith("refused") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.StartsWith("refused", r);
        Assert.True(double.Parse(r.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) < 0.5, r);
    }

    [Fact]
    public async Task A_udp_client_moves_off_a_dead_endpoint_at_once()
    {
        var ip = await f.ClusterIpAsync("udp");
        // One socket with a fixed source port, as a resolver keeps: the same conntrack entry every time.
        var psi = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", Client, "python3", "-u", "-c", $$"""
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(0.5)
for line in sys.stdin:
    u.sendto(b'hostname', ('{{ip}}', 53))
    try: print(u.recvfrom(100)[0].decode(), flush=True)
    except socket.timeout: print('timeout', flush=True)
""" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            string Ask() { p.StandardInput.WriteLine("x"); return p.StandardOutput.ReadLine() ?? "eof"; }
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string first;
            while ((first = Ask()) == "timeout" && DateTime.UtcNow < deadline) { }
            Assert.StartsWith("udp-", first);
            Assert.Equal(first, Ask()); // pinned by conntrack

            await f.Lab.Api.DeleteAsync(ApiResources.Pods, "default", first, gracePeriodSeconds: 0);
            var other = first == "udp-a" ? "udp-b" : "udp-a";
            var clock = Stopwatch.StartNew();
            string now;
            while ((now = Ask()) != other && clock.Elapsed < TimeSpan.FromSeconds(10)) { }
            Assert.True(now == other, $"the client is still stuck after {clock.Elapsed.TotalSeconds:F1} s (last answer: {now})\n{f.Lab.Logs()}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            p.StandardInput.Close();
            if (!p.WaitForExit(2000)) p.Kill(true);
        }
    }

    [Fact]
    public async Task LoadBalancer_ingress_ip_honours_source_ranges_while_external_ips_and_nodeports_do_not()
    {
        // The outside world reaches the test's documentation addresses through node-1 (route set in
        // this lab's own fabric namespace), and gets a second address outside 203.0.113.0/28.
        var fabric = f.Lab.Names.FabricNetns;
        var dev = Sh.InNetns(Outside, "ip", "-o", "-4", "addr", "show").Check().Split('\n')
            .First(l => l.Contains($"inet {LabNames.OutsideIp}/")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Sh.InNetns(fabric, "ip", "route", "replace", "192.0.2.0/24", "via", Node(1)).Check();
        Sh.InNetns(Outside, "ip", "addr", "add", "203.0.113.100/24", "dev", dev).Check();
        try
        {
            const string far = "203.0.113.100";
            Assert.StartsWith("web-", await f.FirstAnswerAsync(Outside, $"http://{LoadBalancerIp}/hostname", TimeSpan.FromSeconds(10)));
            // 203.0.113.100 is not in loadBalancerSourceRanges: dropped at the load-balancer address...
            Assert.Equal(28, Curl(Outside, $"http://{LoadBalancerIp}/hostname", 1.5, from: far).ExitCode);
            // ...but the external IP and the nodeport of the same service take it (as in kube-proxy).
            Assert.StartsWith("web-", (await f.FirstAnswerAsync(Outside, $"http://{ExternalIp}/hostname", TimeSpan.FromSeconds(5), from: far)));
            Assert.StartsWith("web-", Curl(Outside, $"http://{Node(2)}:{LbNodePort}/hostname", from: far).Check());
            // And the allowed client still gets through.
            Assert.StartsWith("web-", Curl(Outside, $"http://{LoadBalancerIp}/hostname").Check());
        }
        finally
        {
            Sh.InNetns(Outside, "ip", "addr", "del", "203.0.113.100/24", "dev", dev);
            Sh.InNetns(fabric, "ip", "route", "del", "192.0.2.0/24");
        }
    }
}
