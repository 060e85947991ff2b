using System.Buffers.Binary;

namespace Podnet.Linux.Netlink;

/// <summary>Decodes RTM_NEWLINK payloads into <see cref="Link"/>.</summary>
internal static class LinkParser
{
    public static readonly NetlinkReplyHandler<List<Link>> Into = static (type, payload, list) =>
    {
        if (type == Nl.RTM_NEWLINK && Parse(payload) is { } l) list.Add(l);
    };

    public static Link? Parse(ReadOnlySpan<byte> p)
    {
        if (p.Length < Nl.IfInfoMsgSize) return null;
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        string name = "";
        string? kind = null;
        int mtu = 0, promisc = 0, gso4 = 0, tsoMax = 0;
        int? master = null, parent = null, nsid = null;
        MacAddress? mac = null;
        byte oper = 0;
        VxlanInfo? vx = null;
        var a = new NetlinkAttributes(p[Nl.IfInfoMsgSize..]);
        while (a.MoveNext())
        {
            switch (a.Type)
            {
                case Nl.IFLA_IFNAME: name = a.String; break;
                case Nl.IFLA_MTU: mtu = (int)a.U32; break;
                case Nl.IFLA_ADDRESS when a.Value.Length == 6: mac = MacAddress.FromBytes(a.Value); break;
                case Nl.IFLA_MASTER: master = (int)a.U32; break;
                case Nl.IFLA_LINK: parent = (int)a.U32; break;
                case Nl.IFLA_LINK_NETNSID: nsid = (int)a.U32; break;
                case Nl.IFLA_OPERSTATE: oper = a.U8; break;
                case Nl.IFLA_PROMISCUITY: promisc = (int)a.U32; break;
                case Nl.IFLA_GSO_IPV4_MAX_SIZE: gso4 = (int)a.U32; break;
                case Nl.IFLA_TSO_MAX_SIZE: tsoMax = (int)a.U32; break;
                case Nl.IFLA_LINKINFO: ParseLinkInfo(a.Value, out kind, out vx); break;
            }
        }
        return new Link(index, name, kind, flags, mtu, mac, master, parent, nsid, oper, promisc, vx, gso4, tsoMax);
    }

    private static void ParseLinkInfo(ReadOnlySpan<byte> v, out string? kind, out VxlanInfo? vx)
    {
        kind = null;
        vx = null;
        var info = new NetlinkAttributes(v);
        ReadOnlySpan<byte> data = default;
        while (info.MoveNext())
        {
            if (info.Type == Nl.IFLA_INFO_KIND) kind = info.String;
            else if (info.Type == Nl.IFLA_INFO_DATA) data = info.Value;
        }
        if (kind != "vxlan" || data.IsEmpty) return;
        uint vni = 0;
        ushort port = 0;
        System.Net.IPAddress? local = null;
        int? under = null;
        bool learning = false;
        var d = new NetlinkAttributes(data);
        while (d.MoveNext())
        {
            switch (d.Type)
            {
                case Nl.IFLA_VXLAN_ID: vni = d.U32; break;
                case Nl.IFLA_VXLAN_PORT: port = d.U16BigEndian; break;
                case Nl.IFLA_VXLAN_LOCAL:
                case Nl.IFLA_VXLAN_LOCAL6: local = d.Ip; break;
                case Nl.IFLA_VXLAN_LINK: under = (int)d.U32; break;
                case Nl.IFLA_VXLAN_LEARNING: learning = d.U8 != 0; break;
            }
        }
        vx = new VxlanInfo(vni, port, local, under, learning);
    }
}
