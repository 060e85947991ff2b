using System.Net;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Lab.Topology;

/// <summary>The node network's shape.</summary>
public enum LabTopologyKind
{
    /// <summary>Every node on one L2 segment, 192.168.80.0/24 (the fabric's bridge br0).</summary>
    Flat,
    /// <summary>Two node subnets, 192.168.80.0/24 (br0) and 192.168.81.0/24 (br1), joined only by
    /// the router namespace; nodes alternate between them, so neighbours are not L2-adjacent.</summary>
    Routed,
}

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
/// <para>The routed topology adds bridge br1 (no address: the fabric cannot route for it) and the
/// router <c>pn-L-router</c> with eth0 192.168.80.1 on br0 and eth1 192.168.81.1 on br1. Nodes on
/// 192.168.81.0/24 route by default via 192.168.81.1; nodes on 192.168.80.0/24 reach that subnet via
/// 192.168.80.1; the router and the fabric know both subnets, and nothing else.</para>
/// </summary>
public static class LabTopology
{
    public const string FabricBridge = "br0";
    public const string FabricSecondBridge = "br1";
    public const string FabricOutsideLink = "out0";
    public static string FabricNodeLink(int i) => $"n{i}";
    public static string FabricRouterLink(int subnet) => $"rt{subnet}";

    /// <summary>
    /// The fabric is a BIG TCP network (192 KiB GSO/GRO super-packets, the size Cilium uses on NICs
    /// that do BIG TCP): every fabric link and both ends of every node and router uplink. A property of
    /// the underlay, so node → node traffic gets it exactly as pod traffic does; podnetd reads it from
    /// the node's uplink and hands it on to pods only where its backend carries it.
    /// </summary>
    public const int FabricGsoMaxSize = 196608;

    /// <summary>Creates the fabric, the outside world, the router (routed topology) and
    /// <paramref name="nodes"/> nodes. Every step fails if something already exists: the caller
    /// owns rollback (lab down).</summary>
    public static void Create(LabNames names, int nodes, LabTopologyKind topology = LabTopologyKind.Flat)
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
            rf.SetGsoMaxSize(FabricOutsideLink, FabricGsoMaxSize);
            rf.AddAddress(FabricOutsideLink, LabNames.FabricOutsideIp, 24, noDad: true);
            rf.SetUp(FabricOutsideLink);
            using var ro = Rtnl.Open(outside);
            ro.SetUp("lo");
            ro.SetGsoMaxSize("eth0", FabricGsoMaxSize);
            ro.AddAddress("eth0", LabNames.OutsideIp, 24, noDad: true);
            ro.SetUp("eth0");
            ro.AddRoute(new Route { Destination = null, Gateway = LabNames.FabricOutsideIp, OutIndex = ro.GetLink("eth0").Index });
        }

        if (topology == LabTopologyKind.Routed) AddRouter(names, rf);
        for (int i = 1; i <= nodes; i++) AddNode(names, rf, i, topology);
    }

    private static readonly IPNetwork Second = IPNetwork.Parse(LabNames.SecondNodeSubnet);

    private static void AddRouter(LabNames names, Rtnl fabric)
    {
        fabric.AddBridge(FabricSecondBridge);
        fabric.SetUp(FabricSecondBridge);
        using var router = NetNs.Create(names.RouterNetns);
        using var rr = Rtnl.Open(router);
        rr.SetUp("lo");
        for (int s = 0; s < 2; s++)
        {
            string link = FabricRouterLink(s), inner = $"eth{s}";
            fabric.AddVeth(link, inner, router);
            fabric.SetGsoMaxSize(link, FabricGsoMaxSize);
            rr.SetGsoMaxSize(inner, FabricGsoMaxSize);
            fabric.SetMaster(link, s == 0 ? FabricBridge : FabricSecondBridge);
            // A bridge allows BIG TCP only once it has ports that do (its ceiling is theirs).
            fabric.SetGsoMaxSize(s == 0 ? FabricBridge : FabricSecondBridge, FabricGsoMaxSize);
            fabric.SetUp(link);
            rr.AddAddress(inner, LabNames.RouterIp(s), 24, noDad: true);
            rr.SetUp(inner);
        }
        // The outside world through the fabric; the fabric reaches the second subnet through us.
        rr.AddRoute(new Route { Gateway = LabNames.FabricIp, OutIndex = rr.GetLink("eth0").Index });
        fabric.AddRoute(new Route { Destination = Second, Gateway = LabNames.RouterIp(0), OutIndex = fabric.GetLink(FabricBridge).Index });
        Sysctl.Write(router, "net.ipv4.ip_forward", "1");
    }

    /// <summary>Adds node <paramref name="i"/> to a running lab (<c>lab add-node</c>).</summary>
    public static void AddNode(LabNames names, int i, LabTopologyKind topology)
    {
        using var fabric = NetNs.Open(names.FabricNetns);
        using var rf = Rtnl.Open(fabric);
        AddNode(names, rf, i, topology);
    }

    private static void AddNode(LabNames names, Rtnl fabric, int i, LabTopologyKind topology)
    {
        using var node = NetNs.Create(names.NodeNetns(i));
        string link = FabricNodeLink(i);
        int subnet = LabNames.NodeSubnetIndex(i, topology);
        fabric.AddVeth(link, "eth0", node);
        fabric.SetGsoMaxSize(link, FabricGsoMaxSize);
        fabric.SetMaster(link, subnet == 0 ? FabricBridge : FabricSecondBridge);
        fabric.SetGsoMaxSize(subnet == 0 ? FabricBridge : FabricSecondBridge, FabricGsoMaxSize);
        fabric.SetUp(link);
        using var rn = Rtnl.Open(node);
        rn.SetUp("lo");
        rn.SetGsoMaxSize("eth0", FabricGsoMaxSize);
        rn.AddAddress("eth0", LabNames.NodeIp(i, topology), 24, noDad: true);
        rn.SetUp("eth0");
        int eth0 = rn.GetLink("eth0").Index;
        if (subnet == 0)
        {
            rn.AddRoute(new Route { Gateway = LabNames.FabricIp, OutIndex = eth0 });
            if (topology == LabTopologyKind.Routed)
                rn.AddRoute(new Route { Destination = Second, Gateway = LabNames.RouterIp(0), OutIndex = eth0 });
        }
        else rn.AddRoute(new Route { Gateway = LabNames.RouterIp(subnet), OutIndex = eth0 });
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
