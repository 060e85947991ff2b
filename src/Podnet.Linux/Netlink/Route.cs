using System.Net;
using System.Net.Sockets;

namespace Podnet.Linux.Netlink;

/// <summary>
/// A route, both as a request and as the kernel reports it. <see cref="Destination"/> null means
/// the default route of <see cref="Family"/>. Leave <see cref="Scope"/> null to get what
/// <c>ip route</c> picks (link scope for on-link routes without gateway, else universe).
/// </summary>
public sealed record Route
{
    public IPNetwork? Destination { get; init; }
    public IPAddress? Gateway { get; init; }
    /// <summary>Output interface (ifindex; 0 = none).</summary>
    public int OutIndex { get; init; }
    /// <summary>Preferred source address (RTA_PREFSRC, "src" in ip route).</summary>
    public IPAddress? Source { get; init; }
    /// <summary>RTNH_F_ONLINK: the gateway is on the link even if no address says so.</summary>
    public bool OnLink { get; init; }
    public byte? Scope { get; init; }
    /// <summary>Routing table (254 = main).</summary>
    public uint Table { get; init; } = RouteTables.Main;
    /// <summary>RTA_PRIORITY ("metric"); null = kernel default.</summary>
    public uint? Metric { get; init; }
    /// <summary>RTPROT_*: 3 boot (ip route default), 4 static, 2 kernel.</summary>
    public byte Protocol { get; init; } = RouteProtocols.Boot;
    /// <summary>RTN_*: 1 unicast, 2 local, 3 broadcast, 6 blackhole, …</summary>
    public byte Type { get; init; } = RouteTypes.Unicast;

    /// <summary>Address family of the route, from destination, gateway or source.</summary>
    public AddressFamily Family =>
        Destination?.BaseAddress.AddressFamily ?? Gateway?.AddressFamily ?? Source?.AddressFamily ?? AddressFamily.InterNetwork;

    public override string ToString()
    {
        string s = Destination?.ToString() ?? "default";
        if (Type != RouteTypes.Unicast) s = (Type == RouteTypes.Blackhole ? "blackhole " : $"type {Type} ") + s;
        if (Gateway is not null) s += " via " + Gateway;
        if (OutIndex != 0) s += " dev #" + OutIndex;
        if (Table != RouteTables.Main) s += " table " + Table;
        if (Metric is { } m) s += " metric " + m;
        return s;
    }
}

/// <summary>Well-known routing tables.</summary>
public static class RouteTables
{
    public const uint Main = 254, Local = 255, Default = 253;
}

/// <summary>RT_SCOPE_* values.</summary>
public static class RouteScopes
{
    public const byte Universe = 0, Site = 200, Link = 253, Host = 254, Nowhere = 255;
}

/// <summary>RTN_* route types.</summary>
public static class RouteTypes
{
    public const byte Unicast = 1, Local = 2, Broadcast = 3, Blackhole = 6, Unreachable = 7, Prohibit = 8;
}

/// <summary>RTPROT_* values.</summary>
public static class RouteProtocols
{
    public const byte Unspec = 0, Kernel = 2, Boot = 3, Static = 4;
}
