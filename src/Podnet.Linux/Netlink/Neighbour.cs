using System.Net;

namespace Podnet.Linux.Netlink;

/// <summary>An ARP/NDP neighbour entry (RTM_NEWNEIGH, family inet/inet6).</summary>
/// <param name="State">NUD_* state, e.g. 0x80 permanent.</param>
public sealed record Neighbour(int Index, IPAddress Ip, MacAddress? Mac, ushort State, byte Flags)
{
    public bool IsPermanent => (State & Nl.NUD_PERMANENT) != 0;
}

/// <summary>A bridge forwarding database entry (RTM_NEWNEIGH, family AF_BRIDGE).
/// On a vxlan device <paramref name="Destination"/> is the remote VTEP (NDA_DST).</summary>
/// <param name="Index">The port (bridge port or vxlan device) the entry belongs to.</param>
/// <param name="MasterIndex">NDA_MASTER: the bridge, for entries held by the bridge.</param>
public sealed record FdbEntry(int Index, MacAddress Mac, IPAddress? Destination, ushort State, byte Flags, int? MasterIndex)
{
    public bool IsPermanent => (State & Nl.NUD_PERMANENT) != 0;
    /// <summary>NTF_SELF: held by the device itself (vxlan), not by a master bridge.</summary>
    public bool IsSelf => (Flags & Nl.NTF_SELF) != 0;
}
