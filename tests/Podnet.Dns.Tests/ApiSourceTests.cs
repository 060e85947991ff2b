using System.Diagnostics;
using Podnet.Api.Client;
using Podnet.Api.Models;
using Podnet.ControlPlane;
using Podnet.Dns.Cluster;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>
/// The cluster state comes from the real control plane (API server on a unix socket, durable
/// store): Services and EndpointSlices are created through the API, read back by our informers,
/// and queried over the wire.
/// </summary>
public sealed class ApiSourceTests : IAsyncLifetime
{
    private string _dir = null!;
    private ControlPlaneHost _cp = null!;
    private ApiClient _client = null!;
    private TestServer _dns = null!;

    public async Task InitializeAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pnt-dns-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_dir);
        _cp = await ControlPlaneHost.StartAsync(new ControlPlaneOptions
        {
            SocketPath = Path.Combine(_dir, "api.sock"), DataDir = Path.Combine(_dir, "data"), RunControllers = false,
        });
        _client = new ApiClient(_cp.SocketPath);
        try
        {
            _dns = TestServer.Start(null, new ZoneOptions(Pods: PodsMode.Verified),
                source: new ApiClusterSource(new ApiClient(_cp.SocketPath), watchPods: true, ownsClient: true));
        }
        catch
        {
            await DisposeAsync(); // xunit does not dispose a fixture whose initialisation failed
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null) await _dns.DisposeAsync();
        _client.Dispose();
        await _cp.StopAsync();
        Directory.Delete(_dir, true);
    }

    private static Service Svc(string name, string? clusterIp, string? type = null, string? external = null, params ServicePort[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new ServiceSpec { ClusterIP = clusterIp, Type = type, ExternalName = external, Ports = ports.Length > 0 ? [.. ports] : null },
    };

    private static EndpointSlice Slice(string name, string service, params Endpoint[] eps) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new() { [EndpointSlice.ServiceNameLabel] = service } },
        Endpoints = [.. eps],
        Ports = [new EndpointPort { Name = "pg", Protocol = "TCP", Port = 5432 }],
    };

    private static Endpoint Ep(string ip, bool ready, string? host = null) =>
        new() { Addresses = [ip], Conditions = new EndpointConditions { Ready = ready }, Hostname = host };

    /// <summary>Polls until the answer matches: informers are asynchronous.</summary>
    private async Task<DnsMessage> Eventually(string name, ushort type, Func<DnsMessage, bool> ok)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var m = await _dns.Query(name, type);
            if (ok(m)) return m;
            if (sw.Elapsed > TimeSpan.FromSeconds(10)) Assert.Fail($"{name} {RecordType.Name(type)}: still {RCode.Name(m.Rcode)} [{string.Join(", ", m.Answers)}] after 10 s");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task EveryRecordKindFromObjectsCreatedThroughTheApi()
    {
        var coffee = await _client.CreateAsync(Svc("coffee", null, ports: new ServicePort { Name = "http", Protocol = "TCP", Port = 80 }));
        var ip = coffee.Spec.ClusterIP!;
        Assert.StartsWith("10.", ip); // allocated by the API server from the service CIDR
        await _client.CreateAsync(Svc("db", "None", ports: new ServicePort { Name = "pg", Protocol = "TCP", Port = 5432 }));
        await _client.CreateAsync(Svc("ext", null, "ExternalName", "www.example.com"));
        await _client.CreateAsync(Slice("db-abc", "db", Ep("10.244.1.10", true, "db-0"), Ep("10.244.1.11", true), Ep("10.244.1.12", false)));
        await _client.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "p1", Namespace = "default" },
            Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "x" }] },
        });

        var a = await Eventually("coffee.default.svc.cluster.local", RecordType.A, m => m.Answers.Count == 1);
        Assert.Equal(ip, a.Answers[0].Data);
        var k = await Eventually("kubernetes.default.svc.cluster.local", RecordType.A, m => m.Answers.Count == 1);
        Assert.Equal("10.96.0.1", k.Answers[0].Data);
        var srv = await _dns.Query("_http._tcp.coffee.default.svc.cluster.local", RecordType.SRV);
        Assert.Equal("0 100 80 coffee.default.svc.cluster.local.", Assert.Single(srv.Answers).Data);
        Assert.Equal(ip, Assert.Single(srv.Additional).Data);
        var headless = await Eventually("db.default.svc.cluster.local", RecordType.A, m => m.Answers.Count == 2);
        Assert.Equal(["10.244.1.10", "10.244.1.11"], headless.Answers.Select(r => r.Data).Order().ToArray());
        Assert.Equal("10.244.1.10", Assert.Single((await _dns.Query("db-0.db.default.svc.cluster.local", RecordType.A)).Answers).Data);
        var hsrv = await _dns.Query("_pg._tcp.db.default.svc.cluster.local", RecordType.SRV);
        Assert.Equal(["0 50 5432 10-244-1-11.db.default.svc.cluster.local.", "0 50 5432 db-0.db.default.svc.cluster.local."],
            hsrv.Answers.Select(r => r.Data).Order().ToArray());
        Assert.Equal(2, hsrv.Additional.Count);
        var rev = string.Join('.', ip.Split('.').Reverse()) + ".in-addr.arpa";
        Assert.Equal("coffee.default.svc.cluster.local.", Assert.Single((await _dns.Query(rev, RecordType.PTR)).Answers).Data);
        Assert.Equal("db-0.db.default.svc.cluster.local.", Assert.Single((await _dns.Query("10.1.244.10.in-addr.arpa", RecordType.PTR)).Answers).Data);
        Assert.Equal("www.example.com.", Assert.Single((await _dns.Query("ext.default.svc.cluster.local", RecordType.A)).Answers).Data);
        Assert.Equal(RCode.NxDomain, (await _dns.Query("10-244-1-12.db.default.svc.cluster.local", RecordType.A)).Rcode); // not ready
        Assert.Equal(RCode.NxDomain, (await _dns.Query("nope.default.svc.cluster.local", RecordType.A)).Rcode);
        Assert.Equal(RCode.NoError, (await _dns.Query("coffee.default.svc.cluster.local", RecordType.AAAA)).Rcode);
        // pods verified: no pod has 10.244.9.9, so no record; dig agrees.
        Assert.Equal(RCode.NxDomain, (await _dns.Query("10-244-9-9.default.pod.cluster.local", RecordType.A)).Rcode);
        Assert.Equal([ip], await Dig.Short(_dns.Endpoint, "coffee.default.svc.cluster.local", "A"));
    }

    [Fact]
    public async Task ChangesThroughTheApiShowUpInAnswers()
    {
        await _client.CreateAsync(Svc("db", "None", ports: new ServicePort { Name = "pg", Protocol = "TCP", Port = 5432 }));
        await _client.CreateAsync(Slice("db-1", "db", Ep("10.244.2.10", true)));
        await Eventually("db.default.svc.cluster.local", RecordType.A, m => m.Answers.Count == 1);

        // A second slice adds an endpoint; marking it ready later, then deleting the Service, all show up.
        await _client.CreateAsync(Slice("db-2", "db", Ep("10.244.3.10", false)));
        await _client.UpdateAsync(Podnet.Api.Json.KubeJson.From(Slice("db-2", "db", Ep("10.244.3.10", true)) with
        {
            Metadata = new ObjectMeta { Name = "db-2", Namespace = "default", Labels = new() { [EndpointSlice.ServiceNameLabel] = "db" } },
        }));
        await Eventually("db.default.svc.cluster.local", RecordType.A, m => m.Answers.Count == 2);
        await _client.DeleteAsync(Podnet.Api.Resources.ApiResources.Services, "default", "db");
        await Eventually("db.default.svc.cluster.local", RecordType.A, m => m.Rcode == RCode.NxDomain);
    }

    [Fact]
    public async Task ServFailUntilTheFirstSync()
    {
        // An API socket nobody listens on: the informers never sync.
        await using var s = TestServer.Start(null, source: new ApiClusterSource(new ApiClient(Path.Combine(_dir, "missing.sock")), false, ownsClient: true));
        Assert.Equal(RCode.ServFail, (await s.Query("kubernetes.default.svc.cluster.local", RecordType.A)).Rcode);
        Assert.Equal(RCode.ServFail, (await s.Query("nope.default.svc.cluster.local", RecordType.A)).Rcode);
        Assert.False(s.Host.Server.Zone.Current.Synced);
    }
}
