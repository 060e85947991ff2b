using System.Net;
using System.Net.Sockets;
using Podnet.Agent.Proxy;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Tests.Proxy;

public sealed class HealthCheckTests
{
    [Fact]
    public void SyncerReportsLocalEndpointsOfExternalPolicyLocalServices()
    {
        var p = new ProxySyncer(new NftFake(), new ProxyConfig());
        var local = ProxySyncerTests.Svc(1, nodePort: 30001, etpLocal: true) with { HealthCheckNodePort = 31001 };
        var none = ProxySyncerTests.Svc(2, nodePort: 30002, etpLocal: true) with { HealthCheckNodePort = 31002 };
        p.SetService(local, [ProxySyncerTests.Ep("10.244.1.2", local: true), ProxySyncerTests.Ep("10.244.2.2")]);
        p.SetService(none, [ProxySyncerTests.Ep("10.244.2.3")]);
        p.SetService(ProxySyncerTests.Svc(3, nodePort: 30003), [ProxySyncerTests.Ep("10.244.1.4", local: true)]);
        var hc = p.HealthChecks();
        Assert.Equal([(ushort)31001, (ushort)31002], hc.Keys.Order());
        Assert.Equal(("default/svc1", 1), hc[31001]);
        Assert.Equal(("default/svc2", 0), hc[31002]);
    }

    [Fact]
    public async Task HealthCheckPortAnswers200WithLocalEndpointsAnd503Without()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = (ushort)((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var logs = new List<string>();
        using var servers = new HealthCheckServers(IPAddress.Loopback, logs.Add);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = $"http://127.0.0.1:{port}/healthz";

        servers.Update(new Dictionary<ushort, (string, int)> { [port] = ("shop/web", 2) });
        var ok = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"localEndpoints\":2", await ok.Content.ReadAsStringAsync());

        servers.Update(new Dictionary<ushort, (string, int)> { [port] = ("shop/web", 0) });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(url)).StatusCode);

        servers.Update(new Dictionary<ushort, (string, int)>());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url));
        Assert.Empty(logs);
    }
}
