using System.Net;
using Podnet.Agent.Overlay.Config;

namespace Podnet.Agent.Overlay;

/// <summary>How one podnetd runs the overlay on its node.</summary>
public sealed record OverlayOptions
{
    /// <summary>The validated network configuration (parsed before anything is touched).</summary>
    public required NetworkConfig Config { get; init; }

    /// <summary>This node's name; owner of its lease.</summary>
    public required string NodeName { get; init; }

    /// <summary>Underlay interface; null picks the default route's interface, else the only one with an address.</summary>
    public string? Iface { get; init; }

    /// <summary>Address advertised to other nodes; null = the underlay interface's first IPv4 address.</summary>
    public IPAddress? PublicIp { get; init; }

    /// <summary>Where subnet.env goes (read back on restart to prefer the previous subnet).</summary>
    public required string SubnetFile { get; init; }

    /// <summary>Directory for the podnet-cni conflist; null writes none.</summary>
    public string? CniConfDir { get; init; }

    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Full resync period even without watch events (also catches expiries).</summary>
    public TimeSpan Resync { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Give the lease back on shutdown (node leaving). Off by default so a restart keeps it.</summary>
    public bool ReleaseOnExit { get; init; }

    /// <summary>Preferred subnet besides the previous one (e.g. the Node's spec.podCIDR).</summary>
    public IPNetwork? PreferredSubnet { get; init; }
}
