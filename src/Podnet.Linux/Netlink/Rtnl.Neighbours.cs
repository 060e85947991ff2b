using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    private static readonly NetlinkReplyHandler<List<Neighbour>> NeighInto = static (type, p, list) =>
    {
        if (type != Nl.RTM_NEWNEIGH || p.Length < Nl.NdMsgSize || p[0] == Nl.AF_BRIDGE) return;
        ParseNd(p, out int index, out ushort state, out byte flags, out var dst, out var mac, out _);
        if (dst is not null) list.Add(new Neighbour(index, dst, mac, state, flags));
    };

    private static readonly NetlinkReplyHandler<List<FdbEntry>> FdbInto = static (type, p, list) =>
    {
        if (type != Nl.RTM_NEWNEIGH || p.Length < Nl.NdMsgSize || p[0] != Nl.AF_BRIDGE) return;
        ParseNd(p, out int index, out ushort state, out byte flags, out var dst, out var mac, out int? master);
        if (mac is { } m) list.Add(new FdbEntry(index, m, dst, state, flags, master));
    };

    /// <summary>Adds or replaces a permanent ARP/NDP entry <paramref name="ip"/> → <paramref name="mac"/>
    /// on the link (e.g. the remote VTEP MAC behind a vxlan device).</summary>
    public void ReplaceNeighbour(LinkRef link, IPAddress ip, MacAddress mac)
    {
        string obj = $"neighbour {ip} lladdr {mac} on {link}";
        lock (_lock)
        {
            int index = IndexOf(link, "replace", obj);
            NdHeader(Nl.RTM_NEWNEIGH, Nl.F_ACK | Nl.F_CREATE | Nl.F_REPLACE, NetlinkMessageBuilder.Family(ip), index, Nl.NUD_PERMANENT, 0);
            _msg.Ip(Nl.NDA_DST, ip);
            _msg.Mac(Nl.NDA_LLADDR, mac);
            Check(Ack(), "replace", obj);
        }
    }

    /// <summary>Deletes a neighbour entry; a missing one is success with <paramref name="ignoreMissing"/>.</summary>
    public void DeleteNeighbour(LinkRef link, IPAddress ip, bool ignoreMissing = true)
    {
        string obj = $"neighbour {ip} on {link}";
        lock (_lock)
        {
            int index;
            try { index = IndexOf(link, "delete", obj); }
            catch (PodnetLinuxException e) when (ignoreMissing && e.Errno == Errno.ENODEV) { return; }
            NdHeader(Nl.RTM_DELNEIGH, Nl.F_ACK, NetlinkMessageBuilder.Family(ip), index, 0, 0);
            _msg.Ip(Nl.NDA_DST, ip);
            int err = Ack();
            if (ignoreMissing && err == Errno.ENOENT) return;
            Check(err, "delete", obj);
        }
    }

    /// <summary>Neighbour entries (IPv4 and/or IPv6), optionally of one link.</summary>
    public List<Neighbour> ListNeighbours(LinkRef? link = null, AddressFamily family = AddressFamily.Unspecified)
    {
        lock (_lock)
        {
            int index = link is { } l ? IndexOf(l, "list neighbours of", l.ToString()) : 0;
            NdHeader(Nl.RTM_GETNEIGH, Nl.F_DUMP, FamilyByte(family), 0, 0, 0);
            var list = new List<Neighbour>();
            Check(Dump(NeighInto, list), "list", "neighbours");
            if (index != 0) list.RemoveAll(n => n.Index != index);
            return list;
        }
    }

    /// <summary>
    /// Appends a permanent FDB entry (<c>bridge fdb append</c>): on a vxlan device
    /// <paramref name="mac"/> goes to the VTEP <paramref name="destination"/>; 00:00:00:00:00:00
    /// entries make the flood list. <paramref name="self"/> (default) puts the entry on the device
    /// itself (NTF_SELF, vxlan); false puts it on its master bridge (NTF_MASTER).
    /// </summary>
    public void AppendFdb(LinkRef link, MacAddress mac, IPAddress? destination = null, bool self = true) =>
        FdbRequest(Nl.RTM_NEWNEIGH, Nl.F_ACK | Nl.F_CREATE | Nl.F_APPEND, link, mac, destination, self, "append");

    /// <summary>Adds or replaces a permanent FDB entry (<c>bridge fdb replace</c>).</summary>
    public void ReplaceFdb(LinkRef link, MacAddress mac, IPAddress? destination = null, bool self = true) =>
        FdbRequest(Nl.RTM_NEWNEIGH, Nl.F_ACK | Nl.F_CREATE | Nl.F_REPLACE, link, mac, destination, self, "replace");

    /// <summary>Deletes an FDB entry (with <paramref name="destination"/>: only that VTEP's).
    /// A missing entry is success with <paramref name="ignoreMissing"/>.</summary>
    public void DeleteFdb(LinkRef link, MacAddress mac, IPAddress? destination = null, bool self = true, bool ignoreMissing = true)
    {
        try { FdbRequest(Nl.RTM_DELNEIGH, Nl.F_ACK, link, mac, destination, self, "delete"); }
        catch (PodnetLinuxException e) when (ignoreMissing && e.Errno is Errno.ENOENT or Errno.ENODEV) { }
    }

    /// <summary>Bridge FDB entries, optionally of one port/device.</summary>
    public List<FdbEntry> ListFdb(LinkRef? link = null)
    {
        lock (_lock)
        {
            int index = link is { } l ? IndexOf(l, "list fdb of", l.ToString()) : 0;
            NdHeader(Nl.RTM_GETNEIGH, Nl.F_DUMP, Nl.AF_BRIDGE, 0, 0, 0);
            var list = new List<FdbEntry>();
            Check(Dump(FdbInto, list), "list", "fdb entries");
            if (index != 0) list.RemoveAll(n => n.Index != index);
            return list;
        }
    }

    private void FdbRequest(ushort type, ushort flags, LinkRef link, MacAddress mac, IPAddress? dst, bool self, string op)
    {
        string obj = $"fdb entry {mac}" + (dst is null ? "" : " dst " + dst) + " on " + link;
        lock (_lock)
        {
            int index = IndexOf(link, op, obj);
            NdHeader(type, flags, Nl.AF_BRIDGE, index, Nl.NUD_PERMANENT, self ? Nl.NTF_SELF : Nl.NTF_MASTER);
            _msg.Mac(Nl.NDA_LLADDR, mac);
            if (dst is not null) _msg.Ip(Nl.NDA_DST, dst);
            Check(Ack(), op, obj);
        }
    }

    private void NdHeader(ushort type, ushort flags, byte family, int index, ushort state, byte ntf)
    {
        _msg.Begin(type, flags);
        Span<byte> s = _msg.Struct(Nl.NdMsgSize);
        s[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], state);
        s[10] = ntf;
    }

    private static void ParseNd(ReadOnlySpan<byte> p, out int index, out ushort state, out byte flags,
        out IPAddress? dst, out MacAddress? mac, out int? master)
    {
        index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        state = BinaryPrimitives.ReadUInt16LittleEndian(p[8..]);
        flags = p[10];
        dst = null;
        mac = null;
        master = null;
        var a = new NetlinkAttributes(p[Nl.NdMsgSize..]);
        while (a.MoveNext())
        {
            switch (a.Type)
            {
                case Nl.NDA_DST: dst = a.Ip; break;
                case Nl.NDA_LLADDR when a.Value.Length == 6: mac = MacAddress.FromBytes(a.Value); break;
                case Nl.NDA_MASTER: master = (int)a.U32; break;
            }
        }
    }
}
