using Podnet.Cni.Config;
using Podnet.Cni.Spec;
using Podnet.Linux.Netlink;

namespace Podnet.Cni.Bridge;

public sealed partial class BridgePlugin
{
    /// <summary>GC: everything of this network not in cni.dev/valid-attachments goes: IP reservations
    /// (forwarded to the IPAM), host veths on the bridge and masquerade rules. Errors are collected so
    /// one failure does not stop the rest.</summary>
    byte[] Gc()
    {
        var valid = conf.ValidAttachments ?? [];
        var errors = new List<string>();
        try { Ipam?.Gc(valid); } catch (Exception e) { errors.Add(e.Message); }

        var validVeths = valid.Select(a => Names.HostVeth(a.ContainerId, a.IfName)).ToHashSet();
        try
        {
            using var host = Rtnl.OpenCurrent("the host netns");
            if (host.FindLink(conf.BridgeName) is { } br)
                foreach (var l in host.ListLinks())
                    if (l.MasterIndex == br.Index && l.Kind == "veth" && l.Name.StartsWith(Names.HostVethPrefix, StringComparison.Ordinal)
                        && !validVeths.Contains(l.Name) && l.Name != Names.HostVethPrefix + Names.Hash8("vlan-gw\n" + VlanGatewayName))
                        host.DeleteLink(l.Index, ignoreMissing: true);
        }
        catch (Exception e) { errors.Add(e.Message); }

        if (conf.IpMasq)
            try { masq.Gc(conf.Name, valid.Select(a => Names.MasqChain(conf.Name, a.ContainerId, a.IfName)).ToHashSet()); }
            catch (Exception e) { errors.Add(e.Message); }

        if (errors.Count > 0)
            throw new CniException(CniErrorCode.KernelFailure, "GC could not remove everything", string.Join("; ", errors));
        return [];
    }

    byte[] Status()
    {
        Ipam?.Status();
        return [];
    }
}
