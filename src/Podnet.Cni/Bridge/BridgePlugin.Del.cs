using Podnet.Cni.Spec;
using static Podnet.Cni.Commands.Trace;
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

        // The host end has a name derived from the attachment: one lookup finds the pair, and deleting
        // it removes both ends. The container namespace is only entered when the host end is gone
        // (a foreign half) or when ipMasq needs addresses nobody recorded. The lookup is by SIOCGIFINDEX,
        // which does not wait for rtnl_lock: with concurrent DELs the forked deleters hold that lock
        // through RCU grace periods, and a GETLINK waited 70-125 ms behind them (16 parallel DELs).
        // Like the reference, which deletes CNI_IFNAME in the pod without asking its kind, the link with
        // our derived name is taken to be our veth.
        using (var host = Rtnl.OpenCurrent("the host netns"))
        {
            int? hv = host.FindIndexUnlocked(HostVeth);
            Mark("host side: lookup");
            bool needAddrs = conf.IpMasq && addrs.Count == 0 && Ipam is not Commands.InProcessIpam;
            if (hv is null || needAddrs)
            {
                using var contNs = OpenContainerNs(required: false);
                using var cont = contNs is null ? null : Rtnl.OpenOnCallingThread(contNs);
                if (cont?.FindLink(env.IfName) is { Kind: "veth" } link)
                {
                    foreach (var a in cont.ListAddresses(link.Index))
                        if (!a.Ip.IsIPv6LinkLocal) addrs.Add(new Cidr(IpMath.Canonical(a.Ip), a.PrefixLength));
                    if (hv is null) cont.DeleteLink(link.Index, ignoreMissing: true);
                }
            }
            if (hv is { } index && !Reaper.Start(index))
                host.DeleteLink(index, ignoreMissing: true);
        }
        Mark("host side");
        if (Ipam is { } ipam)
        {
            if (conf.IpMasq && ipam is Commands.InProcessIpam)
                addrs.AddRange(ReservedAddresses());
            ipam.Del();
        }
        Mark("ipam");
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
