namespace Podnet.Linux.Netlink;

/// <summary>A network interface as the kernel reports it (RTM_NEWLINK).</summary>
/// <param name="Index">ifindex, unique within its namespace.</param>
/// <param name="Name">Interface name (at most 15 bytes).</param>
/// <param name="Kind">IFLA_INFO_KIND: "veth", "bridge", "vxlan", "dummy", …; null for physical/loopback.</param>
/// <param name="Flags">IFF_* flags.</param>
/// <param name="Mtu">MTU in bytes.</param>
/// <param name="Mac">Hardware address, if the link has a 6-byte one.</param>
/// <param name="MasterIndex">ifindex of the bridge this link is enslaved to, if any.</param>
/// <param name="ParentIndex">IFLA_LINK: the veth peer's index (maybe in another netns) or a vxlan's underlay.</param>
/// <param name="PeerNetnsId">IFLA_LINK_NETNSID: the peer's namespace id when it lives elsewhere.</param>
/// <param name="OperState">IFLA_OPERSTATE (RFC 2863): 6 = up, 2 = down, 0 = unknown.</param>
/// <param name="Promiscuity">IFLA_PROMISCUITY counter.</param>
/// <param name="Vxlan">vxlan parameters when <paramref name="Kind"/> is "vxlan".</param>
/// <param name="GsoIpv4MaxSize">IFLA_GSO_IPV4_MAX_SIZE: the largest IPv4 GSO super-packet the stack builds for this link (above 64 KiB: BIG TCP); 0 if not reported.</param>
/// <param name="TsoMaxSize">IFLA_TSO_MAX_SIZE: the driver's ceiling for the GSO sizes; 0 if not reported.</param>
public sealed record Link(
    int Index,
    string Name,
    string? Kind,
    uint Flags,
    int Mtu,
    MacAddress? Mac,
    int? MasterIndex,
    int? ParentIndex,
    int? PeerNetnsId,
    byte OperState,
    int Promiscuity,
    VxlanInfo? Vxlan,
    int GsoIpv4MaxSize = 0,
    int TsoMaxSize = 0)
{
    /// <summary>Administratively up (IFF_UP).</summary>
    public bool IsUp => (Flags & Nl.IFF_UP) != 0;

    /// <summary>Carrier present (IFF_LOWER_UP).</summary>
    public bool IsLowerUp => (Flags & Nl.IFF_LOWER_UP) != 0;

    /// <summary>IFF_PROMISC is set.</summary>
    public bool IsPromisc => (Flags & Nl.IFF_PROMISC) != 0;
}

/// <summary>The vxlan parameters of a link (IFLA_VXLAN_*).</summary>
public sealed record VxlanInfo(uint Vni, ushort Port, System.Net.IPAddress? Local, int? UnderlayIndex, bool Learning);
