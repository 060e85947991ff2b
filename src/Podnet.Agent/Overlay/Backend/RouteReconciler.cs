using System.Net;
using System.Net.Sockets;
using Podnet.Agent.Overlay.Config;
using Podnet.Linux.Netlink;

namespace Podnet.Agent.Overlay.Backend;

/// <summary>
/// Keeps the routes podnetd owns (main table, protocol <see cref="Protocol"/>, destination inside
/// the cluster network) equal to a desired set: replaces what differs, deletes what is no longer
/// wanted, leaves matching routes alone so traffic never sees a gap.
/// </summary>
public static class RouteReconciler
{
    /// <summary>RTPROT value marking podnetd's routes (`ip route` shows "proto 121").</summary>
    public const byte Protocol = 121;

    public static void Reconcile(Rtnl rtnl, NetworkConfig config, IReadOnlyCollection<Route> desired)
    {
        var existing = rtnl.ListRoutes(AddressFamily.InterNetwork)
            .Where(r => r.Protocol == Protocol && r.Destination is { } d && config.Network.Contains(d.BaseAddress))
            .ToList();
        var wanted = desired.ToDictionary(r => r.Destination!.Value);
        foreach (var r in existing)
            if (!wanted.ContainsKey(r.Destination!.Value))
                rtnl.DeleteRoute(r with { Protocol = Protocol, Scope = null });
        foreach (var w in desired)
        {
            var have = existing.FirstOrDefault(r => r.Destination == w.Destination);
            if (have is not null && Same(have, w)) continue;
            rtnl.ReplaceRoute(w with { Protocol = Protocol });
        }
    }

    private static bool Same(Route a, Route b) =>
        Equals(a.Gateway, b.Gateway) && a.OutIndex == b.OutIndex && a.OnLink == b.OnLink;

    /// <summary>A route to <paramref name="subnet"/> via <paramref name="gateway"/> on <paramref name="dev"/>.</summary>
    public static Route Via(IPNetwork subnet, IPAddress gateway, int dev, bool onLink = false) =>
        new() { Destination = subnet, Gateway = gateway, OutIndex = dev, OnLink = onLink, Protocol = Protocol };
}
