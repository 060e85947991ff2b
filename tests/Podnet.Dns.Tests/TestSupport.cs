using System.Diagnostics;
using System.Net;
using Podnet.Dns.Client;
using Podnet.Dns.Config;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>A sample cluster covering every record kind of the spec.</summary>
public static class SampleCluster
{
    public static readonly IReadOnlyList<DnsServicePort> PgPorts = [new("pg", "TCP", 5432)];

    public static ClusterState State(int manyEndpoints = 120) => new(
    [
        Svc("default", "coffee", ServiceKind.ClusterIP, ["10.96.0.20"], ports: [new("http", "TCP", 80), new("metrics", "TCP", 9090), new("", "TCP", 8443)]),
        Svc("default", "dual", ServiceKind.ClusterIP, ["10.96.0.21", "fd00:96::21"], ports: [new("http", "TCP", 80)]),
        Svc("default", "db", ServiceKind.Headless, [], ports: [new("pg", "TCP", 5432)], endpoints:
        [
            new(IPAddress.Parse("10.244.1.10"), "db-0", true, PgPorts),
            new(IPAddress.Parse("10.244.2.11"), "db-1", true, PgPorts),
            new(IPAddress.Parse("10.244.2.12"), null, true, PgPorts),
            new(IPAddress.Parse("10.244.3.13"), "db-3", false, PgPorts),
        ]),
        Svc("default", "ext", ServiceKind.ExternalName, [], external: "www.example.com"),
        Svc("kube-system", "kube-dns", ServiceKind.ClusterIP, ["10.96.0.10"], ports: [new("dns", "UDP", 53), new("dns-tcp", "TCP", 53)]),
        Svc("prod", "coffee", ServiceKind.ClusterIP, ["10.96.0.30"]),
        Svc("big", "many", ServiceKind.Headless, [], endpoints: Enumerable.Range(0, manyEndpoints)
            .Select(i => new DnsEndpoint(IPAddress.Parse($"10.244.9.{i + 1}"), null, true, [])).ToList()),
    ], [new DnsPod("default", IPAddress.Parse("10.244.1.10"))]);

    public static DnsService Svc(string ns, string name, ServiceKind kind, string[] ips, DnsServicePort[]? ports = null,
        IReadOnlyList<DnsEndpoint>? endpoints = null, string? external = null) =>
        new(ns, name, kind, ips.Select(IPAddress.Parse).ToList(), external, ports ?? [], endpoints ?? []);
}

/// <summary>Starts our server on loopback with a kernel-chosen port; disposing stops it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public DnsHost Host { get; }
    public IPEndPoint Endpoint => Host.Server.LocalEndPoint;

    private TestServer(DnsHost host) => Host = host;

    public static TestServer Start(ClusterState? state, ZoneOptions? zone = null, IReadOnlyList<string>? upstreams = null,
        string? metrics = null, Cluster.IClusterSource? source = null)
    {
        var config = new DnsConfig
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Zone = zone ?? new ZoneOptions(),
            Upstreams = upstreams ?? [],
            Metrics = metrics,
            UdpWorkers = 2,
        };
        var host = DnsHost.Start(config, source: source);
        if (state is not null) host.Updater.Apply(state);
        return new TestServer(host);
    }

    public Task<DnsMessage> Query(string name, ushort type, bool tcp = false, bool edns = false) =>
        DnsClient.QueryAsync(Endpoint, name, type, tcp, edns);

    /// <summary>One UDP exchange without the TCP retry, to see TC as the client does.</summary>
    public async Task<DnsMessage> QueryUdpOnly(string name, ushort type, bool edns = false) =>
        DnsMessage.Parse(await DnsClient.ExchangeUdpAsync(Endpoint, DnsClient.BuildQuery(name, type, 4242, edns: edns), TimeSpan.FromSeconds(2)));

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

public static class Dig
{
    /// <summary>Runs dig against the server and returns its stdout; fails the test on a non-zero exit.</summary>
    public static async Task<string> Run(IPEndPoint server, params string[] args)
    {
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add($"@{server.Address}");
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(server.Port.ToString());
        psi.ArgumentList.Add("+time=2");
        psi.ArgumentList.Add("+tries=1");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(true); throw; }
        var stdout = await outTask;
        Assert.True(p.ExitCode == 0, $"dig {string.Join(' ', args)} exited {p.ExitCode}: {stdout}{await errTask}");
        return stdout;
    }

    public static async Task<string[]> Short(IPEndPoint server, params string[] args) =>
        (await Run(server, [.. args, "+short"])).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order().ToArray();
}
