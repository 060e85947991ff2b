using System.Net;
using Podnet.Linux;

namespace Podnet.Agent.Overlay.Subnet;

/// <summary>
/// One node's lease on one subnet of the cluster network, as stored in the cluster API (one
/// object per subnet, so creating it is the atomic claim and updating it is compare-and-swap on
/// <see cref="ResourceVersion"/>). Carries what remote nodes need to reach the subnet.
/// </summary>
public sealed record SubnetLease
{
    public required IPNetwork Subnet { get; init; }

    /// <summary>The node holding the lease.</summary>
    public required string Node { get; init; }

    /// <summary>The node's underlay address (VTEP / next hop / udp peer).</summary>
    public required IPAddress PublicIp { get; init; }

    /// <summary>Backend type of the holder ("vxlan", "host-gw", "udp").</summary>
    public required string BackendType { get; init; }

    /// <summary>vxlan: MAC of the holder's VTEP device.</summary>
    public MacAddress? VtepMac { get; init; }

    /// <summary>When the lease ends unless renewed.</summary>
    public required DateTimeOffset Expiration { get; init; }

    /// <summary>Store version this copy was read at; the precondition of the next write.</summary>
    public string? ResourceVersion { get; init; }

    public bool IsLive(DateTimeOffset now) => Expiration > now;

    public override string ToString() => $"lease {Subnet} of {Node} ({PublicIp}, {BackendType}, until {Expiration:O})";
}
