using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Runs the proxy on one node: informers on Services and EndpointSlices mark services dirty; one
/// loop turns the dirty ones into rules and syncs them (one transaction per batch of changes),
/// then clears UDP conntrack entries that the change made stale. On start it reads the table back
/// instead of flushing it, so connections through services survive an agent restart.
/// </summary>
public sealed class ProxyAgent(ApiClient api, INftRunner nft, NfConntrack? conntrack, ProxyConfig cfg, string nodeName, Action<string> log,
    HealthCheckServers? healthChecks = null)
{
    private readonly ProxySyncer _syncer = new(nft, cfg, log);
    private readonly HashSet<(string Ns, string Name)> _dirty = [];
    private readonly Dictionary<(string, string), List<ServicePortName>> _ports = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _lock = new();

    /// <summary>Short pause after an event, so that a burst of changes goes out as one transaction.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(5);

    public ProxySyncer Syncer => _syncer;

    private void Mark(JsonObject o, bool isSlice)
    {
        string ns = o.Namespace() ?? "default";
        string? name = isSlice ? o.Labels().GetValueOrDefault(EndpointSlice.ServiceNameLabel) : o.Name();
        if (name is null) return;
        lock (_lock) _dirty.Add((ns, name));
        _signal.Release();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        await using var services = new Informer(api, ApiResources.Services, e => Mark(e.Object, false)) { OnError = e => log("proxy: services watch: " + e.Message) };
        await using var slices = new Informer(api, ApiResources.EndpointSlices, e => Mark(e.Object, true)) { OnError = e => log("proxy: endpointslices watch: " + e.Message) };
        services.Start();
        slices.Start();
        await Task.WhenAll(services.Synced, slices.Synced).WaitAsync(ct);
        _syncer.Restore();
        foreach (var s in services.Items) Mark(s, false);
        log($"proxy: caches synced ({services.Items.Count} services, {slices.Items.Count} endpoint slices)");
        while (!ct.IsCancellationRequested)
        {
            await _signal.WaitAsync(ct);
            await Task.Delay(Debounce, ct);
            while (_signal.CurrentCount > 0) _signal.Wait(0);
            (string, string)[] batch;
            lock (_lock) { batch = [.. _dirty]; _dirty.Clear(); }
            // Only the slices of the services in this batch are read (not every slice of the cluster).
            var wanted = batch.ToHashSet();
            var sliceList = slices.Items
                .Where(o => o.Labels().GetValueOrDefault(EndpointSlice.ServiceNameLabel) is { } svc && wanted.Contains((o.Namespace() ?? "default", svc)))
                .Select(KubeJson.As<EndpointSlice>).ToList();
            foreach (var key in batch) Apply(key, services.Get(key.Item1, key.Item2), sliceList);
            if (!_syncer.Sync())
            {
                lock (_lock) foreach (var k in batch) _dirty.Add(k);
                await Task.Delay(TimeSpan.FromSeconds(1), ct); // retry; the last good rules stay in place
                _signal.Release();
                continue;
            }
            healthChecks?.Update(_syncer.HealthChecks());
            if (conntrack is not null && _syncer.UdpCleanups.Count > 0)
            {
                try { log($"proxy: cleared {UdpConntrackCleanup.Run(conntrack, _syncer.UdpCleanups)} stale UDP conntrack entries"); }
                catch (NftablesException e) { log("proxy: " + e.Message); }
            }
        }
    }

    private void Apply((string Ns, string Name) key, JsonObject? obj, List<EndpointSlice> slices)
    {
        var now = new List<ServicePortName>();
        if (obj is not null)
        {
            Service svc;
            try { svc = KubeJson.As<Service>(obj); }
            catch (Exception e) { log($"proxy: service {key.Ns}/{key.Name} unreadable: {e.Message}"); return; }
            foreach (var (info, eps) in ServiceTranslator.Translate(svc, slices, nodeName))
            {
                _syncer.SetService(info, eps);
                now.Add(info.Name);
            }
        }
        if (_ports.TryGetValue(key, out var before))
            foreach (var gone in before.Except(now)) _syncer.DeleteService(gone);
        if (now.Count > 0) _ports[key] = now; else _ports.Remove(key);
    }
}
