using System.Buffers.Binary;

namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    private static readonly NetlinkReplyHandler<List<BridgeVlan>> VlanInto = static (type, p, list) =>
    {
        if (type != Nl.RTM_NEWLINK || p.Length < Nl.IfInfoMsgSize) return;
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        var a = new NetlinkAttributes(p[Nl.IfInfoMsgSize..]);
        while (a.MoveNext())
        {
            if (a.Type != Nl.IFLA_AF_SPEC) continue;
            var spec = new NetlinkAttributes(a.Value);
            while (spec.MoveNext())
            {
                if (spec.Type != Nl.IFLA_BRIDGE_VLAN_INFO || spec.Value.Length < 4) continue;
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(spec.Value);
                ushort vid = BinaryPrimitives.ReadUInt16LittleEndian(spec.Value[2..]);
                list.Add(new BridgeVlan(index, vid, (flags & Nl.BRIDGE_VLAN_INFO_PVID) != 0,
                    (flags & Nl.BRIDGE_VLAN_INFO_UNTAGGED) != 0));
            }
        }
    };

    /// <summary>
    /// Adds VLAN <paramref name="vid"/> to a bridge port (<c>bridge vlan add vid V dev X [pvid] [untagged] [self]</c>).
    /// The bridge needs vlan_filtering on. <paramref name="self"/> targets the bridge device itself.
    /// </summary>
    public void AddBridgeVlan(LinkRef link, ushort vid, bool pvid = false, bool untagged = false, bool self = false) =>
        VlanRequest(Nl.RTM_SETLINK, link, vid, pvid, untagged, self, "add");

    /// <summary>Removes VLAN <paramref name="vid"/> from a bridge port (or the bridge itself with <paramref name="self"/>).</summary>
    public void DeleteBridgeVlan(LinkRef link, ushort vid, bool self = false) =>
        VlanRequest(Nl.RTM_DELLINK, link, vid, false, false, self, "delete");

    /// <summary>VLAN memberships of every bridge port (and bridge) in the namespace.</summary>
    public List<BridgeVlan> ListBridgeVlans()
    {
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_GETLINK, Nl.F_DUMP);
            IfInfo(Nl.AF_BRIDGE, 0);
            _msg.U32(Nl.IFLA_EXT_MASK, Nl.RTEXT_FILTER_BRVLAN);
            var list = new List<BridgeVlan>();
            Check(Dump(VlanInto, list), "list", "bridge vlans");
            return list;
        }
    }

    private void VlanRequest(ushort type, LinkRef link, ushort vid, bool pvid, bool untagged, bool self, string op)
    {
        string obj = $"vlan {vid} on {link}";
        if (vid is 0 or > 4094) throw Invalid(op, obj, "VLAN id must be 1..4094");
        lock (_lock)
        {
            int index = IndexOf(link, op, obj); // the bridge setlink path finds ports by ifindex only
            _msg.Begin(type, Nl.F_ACK);
            IfInfo(Nl.AF_BRIDGE, index);
            int spec = _msg.BeginNested(Nl.IFLA_AF_SPEC, nestedFlag: true);
            if (self) _msg.U16(Nl.IFLA_BRIDGE_FLAGS, Nl.BRIDGE_FLAGS_SELF);
            Span<byte> info = stackalloc byte[4];
            ushort flags = (ushort)((pvid ? Nl.BRIDGE_VLAN_INFO_PVID : 0) | (untagged ? Nl.BRIDGE_VLAN_INFO_UNTAGGED : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(info, flags);
            BinaryPrimitives.WriteUInt16LittleEndian(info[2..], vid);
            _msg.Attr(Nl.IFLA_BRIDGE_VLAN_INFO, info);
            _msg.EndNested(spec);
            Check(Ack(), op, obj);
        }
    }
}
