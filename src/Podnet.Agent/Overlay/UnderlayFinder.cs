using System.Net;
using System.Net.Sockets;
using Podnet.Agent.Overlay.Backend;
using Podnet.Linux.Netlink;

namespace Podnet.Agent.Overlay;

/// <summary>Picks the node's underlay interface and address the way flanneld does without --iface:
/// the default route's interface, else the single interface with a global IPv4 address.</summary>
public static class UnderlayFinder
{
    public static Underlay Find(Rtnl rt, string? iface, IPAddress? publicIp)
    {
        Link link;
        if (iface is not null)
            link = rt.FindLink(iface) ?? throw new InvalidOperationException($"underlay interface \"{iface}\" not found in {rt.Namespace}");
        else if (rt.ListRoutes(AddressFamily.InterNetwork).FirstOrDefault(r => r.Destination is null or { PrefixLength: 0 } && r.OutIndex != 0) is { } def)
            link = rt.GetLink(def.OutIndex);
        else
        {
            var candidates = rt.ListLinks()
                .Where(l => l.Name != "lo" && !l.Name.StartsWith("pn-", StringComparison.Ordinal) && l.Name != "cni0" && l.Kind is not ("vxlan" or "bridge" or "tun"))
                .Where(l => rt.ListAddresses(l.Index, AddressFamily.InterNetwork).Count > 0)
                .ToList();
            if (candidates.Count != 1)
                throw new InvalidOperationException(
                    $"cannot tell the underlay interface in {rt.Namespace}: no default route and {candidates.Count} interfaces with IPv4 addresses ({string.Join(", ", candidates.Select(c => c.Name))}); pass --iface");
            link = candidates[0];
        }
        var addrs = rt.ListAddresses(link.Index, AddressFamily.InterNetwork);
        var addr = publicIp is null ? addrs.FirstOrDefault() : addrs.FirstOrDefault(a => a.Ip.Equals(publicIp));
        if (addr is null)
            throw new InvalidOperationException(publicIp is null
                ? $"underlay interface {link.Name} in {rt.Namespace} has no IPv4 address"
                : $"public IP {publicIp} is not an address of {link.Name} in {rt.Namespace}");
        return new Underlay(link.Name, link.Index, link.Mtu, addr.Ip, addr.PrefixLength,
            link.GsoIpv4MaxSize > 0 ? link.GsoIpv4MaxSize : Underlay.LegacyGsoMaxSize);
    }
}
