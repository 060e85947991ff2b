namespace Podnet.Linux.Netlink;

/// <summary>Netlink and rtnetlink numbers from the kernel's uapi headers (linux/netlink.h,
/// linux/rtnetlink.h, linux/if_link.h, linux/neighbour.h, linux/if_addr.h).</summary>
internal static class Nl
{
    // nlmsghdr
    public const int HeaderSize = 16;
    public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3;
    public const ushort F_REQUEST = 0x1, F_MULTI = 0x2, F_ACK = 0x4, F_ECHO = 0x8;
    public const ushort F_DUMP = 0x300, F_DUMP_INTR = 0x10;
    public const ushort F_REPLACE = 0x100, F_EXCL = 0x200, F_CREATE = 0x400, F_APPEND = 0x800;
    public const ushort F_CAPPED = 0x100, F_ACK_TLVS = 0x200; // flags on NLMSG_ERROR
    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLA_F_NESTED = 0x8000, NLA_TYPE_MASK = 0x3fff;

    public const int NETLINK_ROUTE = 0, SOL_NETLINK = 270;
    public const int NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;

    // rtnetlink message types
    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
    public const ushort RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    public const ushort RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    public const ushort RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;

    public const byte AF_UNSPEC = 0, AF_INET = 2, AF_BRIDGE = 7, AF_INET6 = 10;

    // struct sizes
    public const int IfInfoMsgSize = 16, IfAddrMsgSize = 8, RtMsgSize = 12, NdMsgSize = 12;

    // IFLA_*
    public const ushort IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5,
        IFLA_MASTER = 10, IFLA_PROTINFO = 12, IFLA_TXQLEN = 13, IFLA_OPERSTATE = 16, IFLA_LINKINFO = 18,
        IFLA_IFALIAS = 20, IFLA_AF_SPEC = 26, IFLA_EXT_MASK = 29, IFLA_NET_NS_FD = 28, IFLA_PROMISCUITY = 30,
        IFLA_LINK_NETNSID = 37, IFLA_GSO_MAX_SIZE = 41, IFLA_GRO_MAX_SIZE = 58, IFLA_TSO_MAX_SIZE = 59,
        IFLA_GSO_IPV4_MAX_SIZE = 63, IFLA_GRO_IPV4_MAX_SIZE = 64;
    /// <summary>The classic 64 KiB GSO/GRO limit; anything above is BIG TCP.</summary>
    public const int GsoLegacyMaxSize = 65536;
    public const ushort IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_SLAVE_KIND = 4, IFLA_INFO_SLAVE_DATA = 5;
    public const ushort VETH_INFO_PEER = 1;
    public const ushort IFLA_BR_VLAN_FILTERING = 7;
    public const ushort IFLA_BRPORT_MODE = 4; // hairpin
    public const ushort IFLA_BRIDGE_FLAGS = 0, IFLA_BRIDGE_VLAN_INFO = 2;
    public const ushort BRIDGE_FLAGS_SELF = 2;
    public const ushort BRIDGE_VLAN_INFO_PVID = 0x2, BRIDGE_VLAN_INFO_UNTAGGED = 0x4;
    public const ushort IFLA_VXLAN_ID = 1, IFLA_VXLAN_GROUP = 2, IFLA_VXLAN_LINK = 3, IFLA_VXLAN_LOCAL = 4,
        IFLA_VXLAN_LEARNING = 7, IFLA_VXLAN_PORT = 15, IFLA_VXLAN_LOCAL6 = 17, IFLA_VXLAN_UDP_CSUM = 18;
    public const uint RTEXT_FILTER_BRVLAN = 1 << 1, RTEXT_FILTER_SKIP_STATS = 1 << 3;

    public const uint IFF_UP = 0x1, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_PROMISC = 0x100, IFF_LOWER_UP = 0x10000;

    // IFA_*
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_FLAGS = 8;
    public const uint IFA_F_NODAD = 0x02, IFA_F_PERMANENT = 0x80;

    // RTA_*
    public const ushort RTA_DST = 1, RTA_SRC = 2, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6,
        RTA_PREFSRC = 7, RTA_TABLE = 15;
    public const uint RTNH_F_ONLINK = 4;
    public const byte RTN_UNICAST = 1;

    // NDA_* / NUD_* / NTF_*
    public const ushort NDA_DST = 1, NDA_LLADDR = 2, NDA_MASTER = 9;
    public const ushort NUD_REACHABLE = 0x02, NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
    public const byte NTF_SELF = 0x02, NTF_MASTER = 0x04;

    public static int Align(int n) => (n + 3) & ~3;
}
