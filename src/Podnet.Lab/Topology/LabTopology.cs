using System.Net;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Lab.Topology;

/// <summary>
/// Builds the lab's namespaces and wires them:
/// <code>
///   pn-L-node-i  eth0 192.168.80.(10+i)/24 ── n&lt;i&gt; ┐
///                                              br0 192.168.80.254/24   (pn-L-fabric, forwarding on)
///   pn-L-outside eth0 203.0.113.10/24 ─────── out0 203.0.113.1/24
/// </code>
/// Nodes route by default to 192.168.80.254 and the outside world to 203.0.113.1, so the two
/// subnets reach each other through the fabric; the fabric has no route anywhere else, so no
/// packet can leave the lab. Pod CIDRs are not known to the fabric: pods are reached via nodes.
/// </summary>
public static class LabTopology
{
    public const string FabricBridge = "br0";
    public const string FabricOutsideLink = "out0";
    public static string FabricNodeLink(int i) => $"n{i}";

    /// <summary>Creates the fabric, the outside world and <paramref name="nodes"/> nodes. Every step
    /// fails if something already exists: the caller owns rollback (lab down).</summary>
    public static void Create(LabNames names, int nodes)
    {
        using var fabric = NetNs.Create(names.FabricNetns);
        using var rf = Rtnl.Open(fabric);
        rf.SetUp("lo");
        rf.AddBridge(FabricBridge);
        rf.AddAddress(FabricBridge, LabNames.FabricIp, 24, noDad: true);
        rf.SetUp(FabricBridge);
        Sysctl.Write(fabric, "net.ipv4.ip_forward", "1");

        using (var outside = NetNs.Create(names.OutsideNetns))
        {
            rf.AddVeth(FabricOutsideLink, "eth0", outside);
            rf.AddAddress(FabricOutsideLink, LabNames.FabricOutsideIp, 24, noDad: true);
            rf.SetUp(FabricOutsideLink);
            using var ro = Rtnl.Open(outside);
            ro.SetUp("lo");
            ro.AddAddress("eth0", LabNames.OutsideIp, 24, noDad: true);
            ro.SetUp("eth0");
            ro.AddRoute(new Route { Destination = null, Gateway = LabNames.FabricOutsideIp, OutIndex = ro.GetLink("eth0").Index });
        }

        for (int i = 1; i <= nodes; i++) AddNode(names, rf, i);
    }

    private static void AddNode(LabNames names, Rtnl fabric, int i)
    {
        using var node = NetNs.Create(names.NodeNetns(i));
        string link = FabricNodeLink(i);
        fabric.AddVeth(link, "eth0", node);
        fabric.SetMaster(link, FabricBridge);
        fabric.SetUp(link);
        using var rn = Rtnl.Open(node);
        rn.SetUp("lo");
        rn.AddAddress("eth0", LabNames.NodeIp(i), 24, noDad: true);
        rn.SetUp("eth0");
        rn.AddRoute(new Route { Gateway = LabNames.FabricIp, OutIndex = rn.GetLink("eth0").Index });
        // A node forwards for its pods, like a Kubernetes node.
        Sysctl.Write(node, "net.ipv4.ip_forward", "1");
    }

    /// <summary>Plain routes in node <paramref name="i"/> to the other nodes' pod CIDRs via their
    /// InternalIPs (the routes backend of this issue; the overlay replaces it). Idempotent.</summary>
    public static void EnsurePodRoutes(LabNames names, int i, IEnumerable<(IPNetwork PodCidr, IPAddress NodeIp)> peers)
    {
        using var node = NetNs.Open(names.NodeNetns(i));
        using var rn = Rtnl.Open(node);
        int eth0 = rn.GetLink("eth0").Index;
        foreach (var (cidr, ip) in peers)
            rn.ReplaceRoute(new Route { Destination = cidr, Gateway = ip, OutIndex = eth0, Protocol = RouteProtocols.Static });
    }
}
