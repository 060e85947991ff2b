using Podnet.Cni.Spec;
using Podnet.Linux;
using Podnet.Linux.Netlink;

namespace Podnet.Cni.Bridge;

public sealed partial class BridgePlugin
{
    /// <summary>Idempotent: whatever is already gone (netns, interface, reservation, rules) is fine.</summary>
    byte[] Del()
    {
        var addrs = new List<Cidr>();
        if (conf.PrevResult is { } p)
            try { addrs.AddRange(ResultJson.Parse(p, "prevResult").Ips.Select(i => i.Address)); }
            catch (CniException) { /* a broken cached result must not block cleanup */ }

        using (var contNs = OpenContainerNs(required: false))
            if (contNs is not null)
            {
                using var cont = Rtnl.Open(contNs);
                if (cont.FindLink(env.IfName) is { } link)
                {
                    foreach (var a in cont.ListAddresses(link.Index))
                        if (!a.Ip.IsIPv6LinkLocal) addrs.Add(new Cidr(IpMath.Canonical(a.Ip), a.PrefixLength));
                    // Deleting the container end takes the host end with it.
                    cont.DeleteLink(link.Index, ignoreMissing: true);
                }
            }
        using (var host = Rtnl.OpenCurrent("the host netns"))
            host.DeleteLink(HostVeth, ignoreMissing: true);

        if (Ipam is { } ipam)
        {
            if (conf.IpMasq && ipam is Commands.InProcessIpam)
                addrs.AddRange(ReservedAddresses());
            ipam.Del();
        }
        if (conf.IpMasq && conf.Ipam is not null)
            masq.Remove(conf.Name, env.ContainerId, env.IfName, addrs.Distinct().ToList());
        return [];
    }

    /// <summary>The attachment's addresses as the podnet-ipam store records them (for rule cleanup when the netns is gone).</summary>
    IEnumerable<Cidr> ReservedAddresses()
    {
        var ic = Config.IpamConf.Parse(conf.Ipam!, conf.Name, CniArgs.Parse(env.Args), conf.Root);
        if (!Directory.Exists(ic.StoreDir)) return [];
        using var store = new Ipam.DiskStore(ic.StoreDir);
        using (store.Lock())
            return store.GetById(env.ContainerId, env.IfName)
                .Select(ip => ic.Ranges.SelectMany(s => s.Ranges).FirstOrDefault(r => r.Subnet.Contains(ip)) is { } r
                    ? new Cidr(ip, r.Subnet.Prefix) : new Cidr(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
                .ToList();
    }
}
