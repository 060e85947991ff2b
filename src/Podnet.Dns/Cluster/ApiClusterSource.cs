using System.Net;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Cluster;

/// <summary>
/// Cluster state from the Podnet API: informers on Services, EndpointSlices and (for
/// <c>pods verified</c>) Pods. Events only mark Services dirty; a single loop converts the dirty
/// ones and publishes a new state, reusing the <see cref="DnsService"/> objects of unchanged
/// Services so the zone rebuild stays incremental. Nothing is published before every informer
/// has listed once: until then the zone answers SERVFAIL.
/// </summary>
public sealed class ApiClusterSource : IClusterSource
{
    private readonly ApiClient _client;
    private readonly bool _ownsClient;
    private readonly bool _watchPods;
    private readonly Action<string>? _log;
    private readonly object _lock = new();
    private readonly Dictionary<string, Service> _services = new();
    private readonly Dictionary<string, (string Service, EndpointSlice Slice)> _slices = new();
    private readonly Dictionary<string, DnsPod[]> _podIps = new();
    private readonly HashSet<string> _dirty = new();
    private bool _podsDirty = true;
    private readonly SemaphoreSlim _signal = new(0);

    private readonly Dictionary<string, DnsService> _dns = new();
    private IReadOnlyList<DnsPod> _pods = [];

    public ApiClusterSource(ApiClient client, bool watchPods, Action<string>? log = null, bool ownsClient = false)
    {
        _client = client;
        _watchPods = watchPods;
        _log = log;
        _ownsClient = ownsClient;
    }

    public static IClusterSource Create(string socket, bool watchPods, Action<string>? log) =>
        new ApiClusterSource(new ApiClient(socket), watchPods, log, ownsClient: true);

    /// <summary>Coalescing window: events arriving together become one zone build.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(5);

    public async Task RunAsync(Action<ClusterState> publish, CancellationToken ct)
    {
        void OnError(Exception e) => _log?.Invoke($"cluster API ({_client.Endpoint}): {e.Message}");
        var informers = new List<Informer>
        {
            new(_client, ApiResources.Services, OnService) { OnError = OnError },
            new(_client, ApiResources.EndpointSlices, OnSlice) { OnError = OnError },
        };
        if (_watchPods) informers.Add(new Informer(_client, ApiResources.Pods, OnPod) { OnError = OnError });
        try
        {
            foreach (var i in informers) i.Start();
            await Task.WhenAll(informers.Select(i => i.Synced)).WaitAsync(ct);
            _log?.Invoke($"synced with the cluster API at {_client.Endpoint}");
            while (!ct.IsCancellationRequested)
            {
                publish(Snapshot());
                await _signal.WaitAsync(ct);
                await Task.Delay(Debounce, ct);
                while (_signal.CurrentCount > 0) _signal.Wait(0); // drain: this build covers them all
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            foreach (var i in informers) await i.DisposeAsync();
            if (_ownsClient) _client.Dispose();
        }
    }

    private static string Key(string? ns, string? name) => $"{ns ?? "default"}/{name}";

    private void OnService(InformerEvent e)
    {
        var key = Key(e.Object.Namespace(), e.Object.Name());
        lock (_lock)
        {
            if (e.Type == WatchEventType.Deleted) _services.Remove(key);
            else _services[key] = KubeJson.As<Service>(e.Object);
            _dirty.Add(key);
        }
        _signal.Release();
    }

    private void OnSlice(InformerEvent e)
    {
        var key = Key(e.Object.Namespace(), e.Object.Name());
        lock (_lock)
        {
            if (_slices.TryGetValue(key, out var old)) _dirty.Add(old.Service);
            if (e.Type == WatchEventType.Deleted) _slices.Remove(key);
            else
            {
                var slice = KubeJson.As<EndpointSlice>(e.Object);
                var svc = slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel);
                if (svc is null) return; // not tied to a Service: nothing in DNS
                var svcKey = Key(e.Object.Namespace(), svc);
                _slices[key] = (svcKey, slice);
                _dirty.Add(svcKey);
            }
        }
        _signal.Release();
    }

    private void OnPod(InformerEvent e)
    {
        var key = Key(e.Object.Namespace(), e.Object.Name());
        lock (_lock)
        {
            if (e.Type == WatchEventType.Deleted) _podIps.Remove(key);
            else
            {
                var pod = KubeJson.As<Pod>(e.Object);
                var ips = (pod.Status?.PodIPs?.Select(p => p.Ip) ?? (pod.Status?.PodIP is { } ip ? [ip] : []))
                    .Select(s => IPAddress.TryParse(s, out var a) ? a : null).OfType<IPAddress>()
                    .Select(a => new DnsPod(pod.Metadata.Namespace ?? "default", a)).ToArray();
                _podIps[key] = ips;
            }
            _podsDirty = true;
        }
        _signal.Release();
    }

    private ClusterState Snapshot()
    {
        lock (_lock)
        {
            if (_dirty.Count > 0)
            {
                var slicesByService = _slices.Values.Where(s => _dirty.Contains(s.Service)).ToLookup(s => s.Service, s => s.Slice);
                foreach (var key in _dirty)
                {
                    if (_services.TryGetValue(key, out var svc)) _dns[key] = Convert(svc, slicesByService[key]);
                    else _dns.Remove(key);
                }
                _dirty.Clear();
            }
            if (_podsDirty)
            {
                _pods = _podIps.Values.SelectMany(p => p).ToList();
                _podsDirty = false;
            }
            return new ClusterState(_dns.Values.ToList(), _pods);
        }
    }

    /// <summary>A Service and its EndpointSlices as the DNS sees them (spec 1.1.0 definitions of ready and hostname).</summary>
    public static DnsService Convert(Service svc, IEnumerable<EndpointSlice> slices)
    {
        var spec = svc.Spec;
        var ns = svc.Metadata.Namespace ?? "default";
        var name = svc.Metadata.Name ?? "";
        var ports = (spec.Ports ?? []).Select(p => new DnsServicePort(p.Name ?? "", p.Protocol ?? "TCP", p.Port)).ToList();
        if (string.Equals(spec.Type, "ExternalName", StringComparison.OrdinalIgnoreCase))
            return new DnsService(ns, name, ServiceKind.ExternalName, [], spec.ExternalName, ports, []);
        bool headless = string.Equals(spec.ClusterIP, "None", StringComparison.OrdinalIgnoreCase);
        var ips = headless ? [] : (spec.ClusterIPs ?? (spec.ClusterIP is { } c ? [c] : []))
            .Select(s => IPAddress.TryParse(s, out var a) ? a : null).OfType<IPAddress>().ToList();
        var endpoints = new List<DnsEndpoint>();
        if (headless)
            foreach (var slice in slices)
            {
                IReadOnlyList<DnsServicePort> slicePorts = (slice.Ports ?? [])
                    .Select(p => new DnsServicePort(p.Name ?? "", p.Protocol ?? "TCP", p.Port ?? 0)).ToList();
                foreach (var ep in slice.Endpoints)
                {
                    bool ready = ep.Conditions.Ready ?? true; // unset means ready (EndpointSlice API)
                    foreach (var a in ep.Addresses)
                        if (IPAddress.TryParse(a, out var ip)) endpoints.Add(new DnsEndpoint(ip, ep.Hostname, ready, slicePorts));
                }
            }
        return new DnsService(ns, name, headless ? ServiceKind.Headless : ServiceKind.ClusterIP, ips, null, ports, endpoints,
            spec.PublishNotReadyAddresses ?? false);
    }
}
