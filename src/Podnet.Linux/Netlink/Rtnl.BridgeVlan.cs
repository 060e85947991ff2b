using System.Buffers.Binary;

namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    /// <summary>
    /// Adds VLAN <paramref name="vid"/> to a bridge port, as `bridge vlan add dev X vid N [pvid] [untagged]`
    /// (the bridge must have vlan_filtering on for it to take effect).
    /// </summary>
    public void AddBridgeVlan(LinkRef port, ushort vid, bool pvid, bool untagged)
    {
        string op = $"add bridge vlan {vid}";
        // AF_BRIDGE setlink looks the device up by ifindex only: resolve names first.
        int index = IndexOf(port, op, port.ToString());
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_SETLINK, Nl.F_ACK);
            IfInfo(Nl.AF_BRIDGE, index);
            int spec = _msg.BeginNested(Nl.IFLA_AF_SPEC);
            Span<byte> info = stackalloc byte[4];
            ushort flags = (ushort)((pvid ? Nl.BRIDGE_VLAN_INFO_PVID : 0) | (untagged ? Nl.BRIDGE_VLAN_INFO_UNTAGGED : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(info, flags);
            BinaryPrimitives.WriteUInt16LittleEndian(info[2..], vid);
            _msg.Attr(Nl.IFLA_BRIDGE_VLAN_INFO, info);
            _msg.EndNested(spec);
            Check(Ack(), op, port.ToString());
        }
    }
}
