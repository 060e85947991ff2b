using System.Net;
using Podnet.Agent.Overlay.Config;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Agent.Overlay.Backend;

/// <summary>What every backend works with: the node's namespace and netlink socket, the underlay
/// interface and address, the network configuration and a log.</summary>
public sealed record BackendContext
{
    public required NetNs Netns { get; init; }
    public required Rtnl Rtnl { get; init; }
    public required NetworkConfig Config { get; init; }
    public required Underlay Underlay { get; init; }
    public Action<string> Log { get; init; } = _ => { };
}

/// <summary>The node's underlay interface: its name, index, MTU and the address/prefix nodes reach it on,
/// and its IPv4 GSO size (above 64 KiB when the NIC does BIG TCP).</summary>
public sealed record Underlay(string Name, int Index, int Mtu, IPAddress Address, int PrefixLength, int GsoMaxSize = Underlay.LegacyGsoMaxSize)
{
    /// <summary>The classic 64 KiB GSO limit; above it is BIG TCP.</summary>
    public const int LegacyGsoMaxSize = 65536;

    public IPNetwork Segment => new(Config.Ip4.Mask(Address, PrefixLength), PrefixLength);

    /// <summary>True when <paramref name="ip"/> is on our L2 segment (reachable without a router).</summary>
    public bool IsAdjacent(IPAddress ip) => Segment.Contains(ip);
}
