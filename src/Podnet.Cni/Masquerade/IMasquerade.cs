using Podnet.Cni.Spec;

namespace Podnet.Cni.Masquerade;

/// <summary>
/// Source NAT for pod traffic leaving the pod subnet (the bridge plugin's ipMasq), in the plugin's host
/// namespace. The seam lets the nft CLI runner be swapped for a netlink one.
/// </summary>
public interface IMasquerade
{
    /// <summary>Pod addresses (with their subnet) are masqueraded unless the destination is the subnet or multicast.</summary>
    void Add(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips);
    /// <summary>Removes the attachment's rules; succeeds when they are already gone.</summary>
    void Remove(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips);
    /// <summary>True when the attachment's rules are present for every address.</summary>
    bool Check(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips);
    /// <summary>Removes rules of this network whose attachment is not in <paramref name="validChains"/>.</summary>
    int Gc(string network, IReadOnlySet<string> validChains);
}
