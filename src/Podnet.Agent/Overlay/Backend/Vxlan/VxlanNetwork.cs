using System.Net;
using System.Net.Sockets;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux;
using Podnet.Linux.Netlink;

namespace Podnet.Agent.Overlay.Backend.Vxlan;

/// <summary>
/// Per remote vxlan node: route <c>subnet via subnet.0 dev pn-vxlan.1 onlink</c>, permanent
/// neighbour <c>subnet.0 → VTEP MAC</c>, FDB <c>VTEP MAC → node IP</c> (flannel's L3 layout). With
/// DirectRouting a node on our L2 segment gets a plain route via its IP instead.
/// Missing entries are added first, then routes switched, then stale entries removed.
/// </summary>
public sealed class VxlanNetwork(BackendContext ctx, VxlanDevice dev, SubnetLease own) : INetwork
{
    public SubnetLease Own => own;

    public IReadOnlyList<string> Reconcile(IReadOnlyCollection<SubnetLease> remotes)
    {
        var problems = new List<string>();
        var routes = new List<Route>();
        var neigh = new Dictionary<IPAddress, MacAddress>();
        var fdb = new Dictionary<MacAddress, IPAddress>();
        bool direct = ctx.Config.Backend.DirectRouting;
        foreach (var l in remotes)
        {
            if (direct && ctx.Underlay.IsAdjacent(l.PublicIp))
            {
                routes.Add(RouteReconciler.Via(l.Subnet, l.PublicIp, ctx.Underlay.Index));
                continue;
            }
            if (l.BackendType != "vxlan" || l.VtepMac is not { } mac)
            {
                problems.Add($"node {l.Node} ({l.Subnet}) uses backend {l.BackendType} without a VTEP MAC; cannot reach it over vxlan");
                continue;
            }
            neigh[l.Subnet.BaseAddress] = mac;
            fdb[mac] = l.PublicIp;
            routes.Add(RouteReconciler.Via(l.Subnet, l.Subnet.BaseAddress, dev.Index, onLink: true));
        }

        var rt = ctx.Rtnl;
        var haveFdb = rt.ListFdb(dev.Index).Where(f => f.IsSelf && f.Destination is not null).ToList();
        foreach (var (mac, ip) in fdb)
            if (!haveFdb.Any(f => f.Mac == mac && ip.Equals(f.Destination)))
                rt.ReplaceFdb(dev.Index, mac, ip);
        var haveNeigh = rt.ListNeighbours(dev.Index, AddressFamily.InterNetwork);
        foreach (var (ip, mac) in neigh)
            if (!haveNeigh.Any(n => n.Ip.Equals(ip) && n.Mac == mac && n.IsPermanent))
                rt.ReplaceNeighbour(dev.Index, ip, mac);

        RouteReconciler.Reconcile(rt, ctx.Config, routes);

        foreach (var n in haveNeigh)
            if (!neigh.ContainsKey(n.Ip)) rt.DeleteNeighbour(dev.Index, n.Ip);
        foreach (var f in haveFdb)
            if (!(fdb.TryGetValue(f.Mac, out var ip) && ip.Equals(f.Destination)))
                rt.DeleteFdb(dev.Index, f.Mac, f.Destination);
        return problems;
    }

    public void Dispose() { }
}
