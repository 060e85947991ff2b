using Podnet.Dns.Cluster;
using Podnet.Dns.Config;
using Podnet.Dns.Forward;
using Podnet.Dns.Metrics;
using Podnet.Dns.Server;
using Podnet.Dns.Zone;

namespace Podnet.Dns;

/// <summary>A running DNS server with its cluster source, forwarder and HTTP endpoints; the unit the command and the tests start.</summary>
public sealed class DnsHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<IDisposable> _owned = [];
    private Task _source = Task.CompletedTask;

    public required DnsServer Server { get; init; }
    public required ZoneUpdater Updater { get; init; }
    public required DnsMetrics Metrics { get; init; }
    public HttpEndpoint? MetricsEndpoint { get; private set; }
    public HttpEndpoint? HealthEndpoint { get; private set; }

    public static DnsHost Start(DnsConfig config, Action<string>? log = null, IClusterSource? source = null)
    {
        var metrics = new DnsMetrics();
        var holder = new ZoneHolder(ZoneIndex.Unsynced(config.Zone));
        var updater = new ZoneUpdater(config.Zone, holder, metrics, log);
        var upstreams = ResolvConf.Expand(config.Upstreams);
        var forwarder = upstreams.Count > 0
            ? new Forwarder(upstreams, new ResponseCache(config.Cache ? config.CacheCapacity : 0, config.CacheMaxTtl, Math.Min(config.CacheMaxTtl, 1800)), metrics)
            : null;
        if (config.StateFile is { } file) updater.Apply(StateFile.Load(file));
        var server = new DnsServer(config.Listen, holder, metrics, forwarder, config.UdpWorkers);
        var host = new DnsHost { Server = server, Updater = updater, Metrics = metrics };
        try
        {
            if (config.Metrics is { } m) host._owned.Add(host.MetricsEndpoint = new HttpEndpoint(HttpEndpoint.ParseAddress(m), host.Http));
            if (config.Health is { } h && h != config.Metrics) host._owned.Add(host.HealthEndpoint = new HttpEndpoint(HttpEndpoint.ParseAddress(h), host.Http));
            source ??= config.ApiSocket is { } sock ? ApiClusterSource.Create(sock, config.Zone.Pods == PodsMode.Verified, log) : null;
            if (source is not null)
                host._source = Task.Run(() => source.RunAsync(updater.Publish, host._cts.Token));
        }
        catch
        {
            host.DisposeAsync().AsTask().Wait();
            throw;
        }
        return host;
    }

    private (int, string, string) Http(string path) => path switch
    {
        "/health" => (200, "text/plain", "OK\n"),
        "/ready" => Server.Zone.Current.Synced ? (200, "text/plain", "OK\n") : (503, "text/plain", "not synced with the cluster API yet\n"),
        "/metrics" => (200, "text/plain; version=0.0.4", Metrics.Render()),
        _ => (404, "text/plain", "not found\n"),
    };

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        try { await _source.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        foreach (var d in _owned) d.Dispose();
        Server?.Dispose();
        _cts.Dispose();
    }
}
