using System.Net;

namespace Podnet.Dns.Zone;

public enum ServiceKind { ClusterIP, Headless, ExternalName }

public enum PodsMode { Disabled, Insecure, Verified }

/// <summary>A port of a Service or of an EndpointSlice. Only named ports get SRV records.</summary>
public sealed record DnsServicePort(string Name, string Protocol, int Port);

/// <summary>
/// One endpoint address. <see cref="Ports"/> are its EndpointSlice's ports (headless SRV records use
/// them, as CoreDNS does); slices share one list among their endpoints.
/// </summary>
public sealed record DnsEndpoint(IPAddress Address, string? Hostname, bool Ready, IReadOnlyList<DnsServicePort> Ports);

/// <summary>What the DNS needs to know about one Service and its endpoints.</summary>
public sealed record DnsService(
    string Namespace, string Name, ServiceKind Kind, IReadOnlyList<IPAddress> ClusterIPs, string? ExternalName,
    IReadOnlyList<DnsServicePort> Ports, IReadOnlyList<DnsEndpoint> Endpoints, bool PublishNotReadyAddresses = false);

public sealed record DnsPod(string Namespace, IPAddress Address);

/// <summary>An immutable view of the cluster; the zone index is built from it.</summary>
public sealed record ClusterState(IReadOnlyList<DnsService> Services, IReadOnlyList<DnsPod> Pods)
{
    public static readonly ClusterState Empty = new([], []);
}

/// <summary>Zone settings (from the Corefile's kubernetes block or the command line).</summary>
public sealed record ZoneOptions(string Zone = "cluster.local", uint Ttl = 5, PodsMode Pods = PodsMode.Insecure);
