using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Linux.Netlink;

namespace Podnet.Lab.Kubelet;

/// <summary>The "routes" backend of this issue: in this node's namespace, one route per other
/// node, its podCIDR via its InternalIP on eth0 (the nodes share the fabric's L2 segment).</summary>
internal static class NodeRoutes
{
    /// <summary>(podCIDR, InternalIP) of every node except <paramref name="self"/> that has both.</summary>
    public static List<(IPNetwork, IPAddress)> Peers(IEnumerable<JsonObject> nodes, string self)
    {
        var peers = new List<(IPNetwork, IPAddress)>();
        foreach (var n in nodes)
        {
            if (n.Name() == self) continue;
            var cidr = n.AtPath("spec.podCIDR");
            var ip = (n["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address");
            if (cidr is null || ip is null || !IPNetwork.TryParse(cidr, out var net) || !IPAddress.TryParse(ip, out var addr)) continue;
            peers.Add((net, addr));
        }
        return peers;
    }

    /// <summary>Replaces the routes (idempotent) and removes routes of this backend to CIDRs no node has any more.</summary>
    public static void Sync(Rtnl rtnl, IReadOnlyList<(IPNetwork Cidr, IPAddress Via)> peers)
    {
        int eth0 = rtnl.GetLink("eth0").Index;
        foreach (var (cidr, via) in peers)
            rtnl.ReplaceRoute(new Route { Destination = cidr, Gateway = via, OutIndex = eth0, Protocol = RouteProtocols.Static });
        var wanted = peers.Select(p => p.Cidr).ToHashSet();
        foreach (var r in rtnl.ListRoutes(System.Net.Sockets.AddressFamily.InterNetwork))
            if (r.Protocol == RouteProtocols.Static && r.OutIndex == eth0 && r.Destination is { } d && !wanted.Contains(d))
                rtnl.DeleteRoute(r);
    }
}
