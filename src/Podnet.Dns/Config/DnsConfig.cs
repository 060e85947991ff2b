using System.Net;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Config;

/// <summary>Everything `podnet dns` runs with; built from the Corefile, then command-line overrides.</summary>
public sealed record DnsConfig
{
    public IPEndPoint Listen { get; init; } = new(IPAddress.Any, 53);
    public ZoneOptions Zone { get; init; } = new();
    /// <summary>Upstream specs: addresses ("10.0.0.2", "10.0.0.2:5353") or resolv.conf paths.</summary>
    public IReadOnlyList<string> Upstreams { get; init; } = ["/etc/resolv.conf"];
    public bool Cache { get; init; } = true;
    public uint CacheMaxTtl { get; init; } = 3600;
    public int CacheCapacity { get; init; } = 10000;
    public string? ApiSocket { get; init; }
    /// <summary>A static JSON cluster state instead of the API (benchmarks, offline use).</summary>
    public string? StateFile { get; init; }
    public string? Metrics { get; init; }
    public string? Health { get; init; }
    public int UdpWorkers { get; init; }
}
