using System.Net;

namespace Podnet.Agent.Proxy;

/// <summary>Identifies one port of one Service: "ns/name/tcp/http" (unnamed ports are "p" + port).</summary>
public sealed record ServicePortName(string Namespace, string Name, string Port, byte Protocol)
{
    public string ProtocolName => ProxyProtocols.Name(Protocol);
    public override string ToString() => $"{Namespace}/{Name}/{ProtocolName}/{Port}";
}

public static class ProxyProtocols
{
    public const byte Tcp = 6, Udp = 17, Sctp = 132;

    public static string Name(byte p) => p switch { Tcp => "tcp", Udp => "udp", Sctp => "sctp", _ => $"proto{p}" };

    public static byte? Parse(string? s) => (s ?? "TCP").ToUpperInvariant() switch
    {
        "TCP" => Tcp, "UDP" => Udp, "SCTP" => Sctp, _ => null,
    };
}

/// <summary>What the proxy needs to know about one service port (built from a Service object).</summary>
public sealed record ServicePortInfo(
    ServicePortName Name,
    IPAddress? ClusterIP,
    ushort Port,
    ushort? NodePort = null,
    IReadOnlyList<IPAddress>? ExternalIPs = null,
    IReadOnlyList<IPAddress>? LoadBalancerIPs = null,
    IReadOnlyList<IPNetwork>? LoadBalancerSourceRanges = null,
    TimeSpan? AffinityTimeout = null,
    bool ExternalPolicyLocal = false,
    bool InternalPolicyLocal = false,
    ushort? HealthCheckNodePort = null)
{
    public IReadOnlyList<IPAddress> ExternalAddresses => [.. ExternalIPs ?? [], .. LoadBalancerIPs ?? []];
    public bool HasExternal => NodePort is not null || ExternalAddresses.Count > 0;

    /// <summary>Value equality including the lists (records compare lists by reference).</summary>
    public bool SameAs(ServicePortInfo o) =>
        this with { ExternalIPs = null, LoadBalancerIPs = null, LoadBalancerSourceRanges = null }
            == o with { ExternalIPs = null, LoadBalancerIPs = null, LoadBalancerSourceRanges = null }
        && (ExternalIPs ?? []).SequenceEqual(o.ExternalIPs ?? [])
        && (LoadBalancerIPs ?? []).SequenceEqual(o.LoadBalancerIPs ?? [])
        && (LoadBalancerSourceRanges ?? []).SequenceEqual(o.LoadBalancerSourceRanges ?? []);
}

/// <summary>One endpoint of a service port, with the conditions that decide whether it gets traffic.</summary>
public sealed record EndpointInfo(IPAddress Address, ushort Port, bool Ready = true, bool Serving = true, bool Terminating = false, bool IsLocal = false)
{
    public override string ToString() => $"{Address}/{Port}";
}

/// <summary>Per-node settings of the proxy.</summary>
public sealed record ProxyConfig
{
    public string TableName { get; init; } = "podnet-proxy";
    /// <summary>Pod CIDR of the whole cluster: traffic to a ClusterIP from outside it is masqueraded.</summary>
    public IPNetwork? ClusterCidr { get; init; }
    /// <summary>The packet mark bit that asks for masquerade in postrouting.</summary>
    public uint MasqueradeMark { get; init; } = 0x4000;
    /// <summary>Service ports per transaction when a sync is very large (cold start).</summary>
    public int MaxServicePortsPerTransaction { get; init; } = 5000;
}
