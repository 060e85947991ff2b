using System.Net;
using System.Net.Sockets;
using System.Text;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

public sealed class ZoneModesTests
{
    [Fact]
    public async Task PodsVerifiedAnswersOnlyForExistingPods()
    {
        await using var s = TestServer.Start(SampleCluster.State(), new ZoneOptions(Pods: PodsMode.Verified));
        Assert.Equal("10.244.1.10", Assert.Single((await s.Query("10-244-1-10.default.pod.cluster.local", RecordType.A)).Answers).Data);
        Assert.Equal(RCode.NxDomain, (await s.Query("10-244-1-10.prod.pod.cluster.local", RecordType.A)).Rcode); // wrong namespace
        Assert.Equal(RCode.NxDomain, (await s.Query("10-244-7-7.default.pod.cluster.local", RecordType.A)).Rcode);
    }

    [Fact]
    public async Task PodsDisabledHasNoPodRecords()
    {
        await using var s = TestServer.Start(SampleCluster.State(), new ZoneOptions(Pods: PodsMode.Disabled));
        Assert.Equal(RCode.NxDomain, (await s.Query("10-244-1-10.default.pod.cluster.local", RecordType.A)).Rcode);
        Assert.Equal(RCode.NxDomain, (await s.Query("pod.cluster.local", RecordType.A)).Rcode);
    }

    [Fact]
    public async Task CustomZoneAndTtl()
    {
        await using var s = TestServer.Start(SampleCluster.State(), new ZoneOptions(Zone: "k8s.example", Ttl: 30));
        var a = Assert.Single((await s.Query("coffee.default.svc.k8s.example", RecordType.A)).Answers);
        Assert.Equal(30u, a.Ttl);
        Assert.Equal("\"1.1.0\"", Assert.Single((await s.Query("dns-version.k8s.example", RecordType.TXT)).Answers).Data);
        Assert.Equal(RCode.Refused, (await s.Query("coffee.default.svc.cluster.local", RecordType.A)).Rcode); // not ours, no upstream
    }

    [Fact]
    public async Task IncrementalChangesAddRemoveAndShareAddresses()
    {
        var state = SampleCluster.State();
        await using var s = TestServer.Start(state);
        // Add a Service that shares coffee's address (PTR gets both names), then remove coffee.
        var twin = SampleCluster.Svc("default", "twin", ServiceKind.ClusterIP, ["10.96.0.20"]);
        state = state with { Services = [.. state.Services, twin] };
        s.Host.Updater.Apply(state);
        var ptr = await s.Query("20.0.96.10.in-addr.arpa", RecordType.PTR);
        Assert.Equal(["coffee.default.svc.cluster.local.", "twin.default.svc.cluster.local."], ptr.Answers.Select(r => r.Data).Order().ToArray());
        state = state with { Services = state.Services.Where(x => !(x.Name == "coffee" && x.Namespace == "default")).ToList() };
        s.Host.Updater.Apply(state);
        Assert.Equal(RCode.NxDomain, (await s.Query("coffee.default.svc.cluster.local", RecordType.A)).Rcode);
        Assert.Equal(RCode.NxDomain, (await s.Query("_http._tcp.coffee.default.svc.cluster.local", RecordType.SRV)).Rcode);
        Assert.Equal(["twin.default.svc.cluster.local."], (await s.Query("20.0.96.10.in-addr.arpa", RecordType.PTR)).Answers.Select(r => r.Data).ToArray());
        Assert.Equal("10.96.0.30", Assert.Single((await s.Query("coffee.prod.svc.cluster.local", RecordType.A)).Answers).Data);
        // Removing the last Service of a namespace removes the namespace's empty non-terminal.
        state = state with { Services = state.Services.Where(x => x.Namespace != "prod").ToList() };
        s.Host.Updater.Apply(state);
        Assert.Equal(RCode.NxDomain, (await s.Query("prod.svc.cluster.local", RecordType.A)).Rcode);
        Assert.Equal(RCode.NoError, (await s.Query("default.svc.cluster.local", RecordType.A)).Rcode);
    }

    [Fact]
    public async Task PublishedChangesBecomeVisibleWithoutBlockingQueries()
    {
        var state = SampleCluster.State();
        await using var s = TestServer.Start(state);
        for (int i = 1; i <= 20; i++)
        {
            state = state with { Services = [.. state.Services, SampleCluster.Svc("load", $"s{i}", ServiceKind.ClusterIP, [$"10.97.0.{i}"])] };
            s.Host.Updater.Publish(state);
        }
        var deadline = DateTime.UtcNow.AddSeconds(5);
        DnsMessage m;
        do m = await s.Query("s20.load.svc.cluster.local", RecordType.A);
        while (m.Answers.Count == 0 && DateTime.UtcNow < deadline);
        Assert.Equal("10.97.0.20", Assert.Single(m.Answers).Data);
        Assert.Equal("10.97.0.7", Assert.Single((await s.Query("s7.load.svc.cluster.local", RecordType.A)).Answers).Data);
    }

    [Fact]
    public async Task MetricsAndHealthOverHttp()
    {
        await using var s = TestServer.Start(SampleCluster.State(), metrics: "127.0.0.1:0");
        await s.Query("coffee.default.svc.cluster.local", RecordType.A);
        await s.Query("nope.default.svc.cluster.local", RecordType.A);
        var ep = s.Host.MetricsEndpoint!.LocalEndPoint;
        var metrics = await Get(ep, "/metrics");
        Assert.StartsWith("HTTP/1.1 200", metrics);
        Assert.Contains("podnet_dns_requests_total{proto=\"udp\"} 2", metrics);
        Assert.Contains("podnet_dns_responses_total{rcode=\"NXDOMAIN\"} 1", metrics);
        Assert.Contains("podnet_dns_request_duration_seconds_count 2", metrics);
        Assert.Contains("podnet_dns_cache_hits_total 0", metrics);
        Assert.Contains("podnet_dns_synced 1", metrics);
        // Every metric comes with its help and type lines (Prometheus text format).
        Assert.Contains("# HELP podnet_dns_dropped_total Packets dropped without an answer (too short, responses, overload).\n# TYPE podnet_dns_dropped_total counter\npodnet_dns_dropped_total 0\n", metrics);
        Assert.Matches(@"# TYPE podnet_dns_zone_build_seconds gauge\npodnet_dns_zone_build_seconds [0-9.E-]+\n", metrics);
        Assert.Equal(metrics.Split('\n').Count(l => l.StartsWith("# HELP ")), metrics.Split('\n').Count(l => l.StartsWith("# TYPE ")));
        Assert.StartsWith("HTTP/1.1 200", await Get(ep, "/health"));
        Assert.StartsWith("HTTP/1.1 200", await Get(ep, "/ready"));
        Assert.StartsWith("HTTP/1.1 404", await Get(ep, "/nope"));
    }

    private static async Task<string> Get(IPEndPoint ep, string path)
    {
        using var c = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await c.ConnectAsync(ep);
        await c.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"));
        var sb = new StringBuilder();
        var buf = new byte[8192];
        int n;
        while ((n = await c.ReceiveAsync(buf)) > 0) sb.Append(Encoding.UTF8.GetString(buf, 0, n));
        return sb.ToString();
    }
}
