using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Lab;

/// <summary>
/// Cluster DNS the Kubernetes way on the cafe lab: <c>podnet dns</c> as the coredns Deployment in
/// kube-system behind the kube-dns Service at 10.96.0.10, queried from a pod with the resolver
/// (getent, through the kubelet's resolv.conf and search path) and with dig, over UDP and TCP.
/// </summary>
[Collection("cafe")]
public sealed class ClusterDnsLabTests(CafeLabFixture f)
{
    private string Client => f.NetnsOf(f.Pods.Single(p => p.Name() == "client"));

    private ShResult Dig(params string[] args) =>
        Sh.InNetns(Client, ["dig", "+time=2", "+tries=1", .. args], TimeSpan.FromSeconds(10));

    private async Task<string> ClusterIpAsync(string svc) =>
        (await f.Lab.Api.GetAsync(ApiResources.Services, "default", svc)).AtPath("spec.clusterIP")!;

    private static JsonObject Service(string name, string app, bool headless) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = app },
            ["clusterIP"] = headless ? "None" : null,
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 8080 }),
        },
    };

    [Fact]
    public async Task Two_coredns_pods_serve_behind_the_kube_dns_service_at_10_96_0_10()
    {
        var svc = await f.Lab.Api.GetAsync(ApiResources.Services, "kube-system", "kube-dns");
        Assert.Equal("10.96.0.10", svc.AtPath("spec.clusterIP"));
        var ports = ((JsonArray)svc["spec"]!["ports"]!).Select(p => $"{p.Str("name")} {p.Str("port") ?? p!["port"]!.ToString()}/{p.Str("protocol")}").ToList();
        Assert.Equal(["dns 53/UDP", "dns-tcp 53/TCP", "metrics 9153/TCP"], ports);

        var pods = (await f.Lab.Api.ListAsync(ApiResources.Pods, "kube-system", new ListOptions { LabelSelector = "k8s-app=kube-dns" })).Items;
        Assert.Equal(2, pods.Count(TestLab.IsReady));
        Assert.All(pods, p => Assert.StartsWith("coredns-", p.Name()));
        // Spread like CoreDNS's anti-affinity intends: one node going down leaves a DNS server.
        Assert.Equal(2, pods.Select(p => p.AtPath("spec.nodeName")).Distinct().Count());
        // Like CoreDNS, the DNS pods resolve through the node's resolver, not through themselves.
        var resolv = File.ReadAllText(Path.Combine(Podnet.Lab.LabNames.EtcNetnsDir(f.Lab.Names.PodNetns(pods[0].Uid()!)), "resolv.conf"));
        Assert.DoesNotContain("10.96.0.10", resolv);

        // The metrics port through the ClusterIP as well: the proxy carries all three ports.
        var metrics = Sh.InNetns(Client, ["curl", "-sS", "--max-time", "3", "http://10.96.0.10:9153/metrics"], TimeSpan.FromSeconds(10)).Check();
        Assert.Contains("podnet_dns_request_duration_seconds", metrics);
    }

    [Fact]
    public async Task A_pod_finds_a_service_by_its_short_name_through_the_search_path()
    {
        var ip = await ClusterIpAsync("coffee");
        var r = Sh.InNetns(Client, ["getent", "hosts", "coffee"], TimeSpan.FromSeconds(10));
        Assert.True(r.Ok, $"getent hosts coffee: exit {r.ExitCode} {r.Stderr}\n{f.Lab.Logs()}");
        Assert.Equal([ip, "coffee.default.svc.cluster.local"], r.Stdout.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));
        // And by name over HTTP, as a user would.
        var hostname = Sh.InNetns(Client, ["curl", "-sS", "--max-time", "3", "http://coffee/hostname"], TimeSpan.FromSeconds(10)).Check();
        Assert.StartsWith("coffee-", hostname);
    }

    [Fact]
    public async Task Dig_through_10_96_0_10_answers_over_udp_and_tcp_with_srv_nxdomain_and_refused_outside_the_cluster()
    {
        var ip = await ClusterIpAsync("coffee");
        Assert.Equal(ip, Dig("+short", "coffee.default.svc.cluster.local", "@10.96.0.10").Check().Trim());
        Assert.Equal(ip, Dig("+short", "+tcp", "COFFEE.default.svc.cluster.local", "@10.96.0.10").Check().Trim());
        // SRV for the named port, the service name as target.
        Assert.Equal("0 100 80 coffee.default.svc.cluster.local.", Dig("+short", "SRV", "_http._tcp.coffee.default.svc.cluster.local").Check().Trim());
        Assert.Contains("status: NXDOMAIN", Dig("latte-not-here.default.svc.cluster.local").Check());
        // No upstream in the lab (no internet): names outside the zone are refused at once, not timed out.
        // dig's own "Query time" is the server's round trip, without dig's start in the pod under load.
        var outside = Dig("example.com").Check();
        Assert.Contains("status: REFUSED", outside);
        var ms = int.Parse(System.Text.RegularExpressions.Regex.Match(outside, @";; Query time: (\d+) msec").Groups[1].Value);
        Assert.True(ms < 1000, $"an outside name was answered after {ms} ms:\n{outside}");
    }

    [Fact]
    public async Task A_service_created_after_lab_up_resolves_within_a_second()
    {
        await f.Lab.Api.CreateAsync(Service("latte", "coffee", headless: false));
        var sw = Stopwatch.StartNew();
        var ip = await ClusterIpAsync("latte");
        string got = "";
        while (sw.Elapsed < TimeSpan.FromSeconds(3))
        {
            got = Dig("+short", "latte.default.svc.cluster.local").Stdout.Trim();
            if (got == ip) break;
            await Task.Delay(20);
        }
        var took = sw.Elapsed;
        Assert.Equal(ip, got);
        Assert.True(took < TimeSpan.FromSeconds(1), $"latte resolved after {took.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_headless_service_answers_with_the_address_of_every_ready_pod()
    {
        await f.Lab.Api.CreateAsync(Service("tea-pods", "tea", headless: true));
        var tea = f.Pods.Where(p => p.Name()!.StartsWith("tea-")).Select(p => TestLab.PodIp(p).ToString()).Order().ToList();
        Assert.Equal(3, tea.Count);
        List<string> got = [];
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            got = Dig("+short", "tea-pods.default.svc.cluster.local").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToList();
            if (got.SequenceEqual(tea)) break;
            await Task.Delay(50);
        }
        Assert.Equal(tea, got);
    }
}
