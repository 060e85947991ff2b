using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    private static readonly NetlinkReplyHandler<List<Address>> AddrInto = static (type, p, list) =>
    {
        if (type != Nl.RTM_NEWADDR || p.Length < Nl.IfAddrMsgSize) return;
        int prefix = p[1];
        uint flags = p[2];
        byte scope = p[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        IPAddress? local = null, address = null;
        string? label = null;
        var a = new NetlinkAttributes(p[Nl.IfAddrMsgSize..]);
        while (a.MoveNext())
        {
            switch (a.Type)
            {
                case Nl.IFA_LOCAL: local = a.Ip; break;
                case Nl.IFA_ADDRESS: address = a.Ip; break;
                case Nl.IFA_LABEL: label = a.String; break;
                case Nl.IFA_FLAGS: flags = a.U32; break;
            }
        }
        if ((local ?? address) is { } ip) list.Add(new Address(index, ip, prefix, scope, flags, label));
    };

    /// <summary>
    /// Adds <paramref name="ip"/>/<paramref name="prefixLength"/> to the link. IPv4 gets the
    /// broadcast address of its subnet (as the CNI reference plugins set it). With
    /// <paramref name="ignoreExisting"/> an address that is already there is success.
    /// <paramref name="noDad"/> skips IPv6 duplicate address detection.
    /// </summary>
    public void AddAddress(LinkRef link, IPAddress ip, int prefixLength, bool ignoreExisting = false, bool noDad = false)
    {
        string obj = $"address {ip}/{prefixLength} on {link}";
        int max = ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (prefixLength < 0 || prefixLength > max) throw Invalid("add", obj, $"prefix length must be 0..{max}");
        lock (_lock)
        {
            int index = IndexOf(link, "add", obj);
            AddrHeader(Nl.RTM_NEWADDR, Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL, index, ip, prefixLength);
            if (max == 32 && prefixLength < 31) _msg.Ip(Nl.IFA_BROADCAST, Broadcast(ip, prefixLength));
            if (noDad && max == 128) _msg.U32(Nl.IFA_FLAGS, Nl.IFA_F_NODAD);
            int err = Ack();
            if (err == Errno.EEXIST && ignoreExisting) return;
            Check(err, "add", obj);
        }
    }

    /// <summary>Removes an address; with <paramref name="ignoreMissing"/> a missing one is success.</summary>
    public void DeleteAddress(LinkRef link, IPAddress ip, int prefixLength, bool ignoreMissing = true)
    {
        string obj = $"address {ip}/{prefixLength} on {link}";
        lock (_lock)
        {
            int index;
            try { index = IndexOf(link, "delete", obj); }
            catch (PodnetLinuxException e) when (ignoreMissing && e.Errno == Errno.ENODEV) { return; }
            AddrHeader(Nl.RTM_DELADDR, Nl.F_ACK, index, ip, prefixLength);
            int err = Ack();
            if (ignoreMissing && err == Errno.EADDRNOTAVAIL) return;
            Check(err, "delete", obj);
        }
    }

    /// <summary>All IPv4 and IPv6 addresses, optionally of one link only.</summary>
    public List<Address> ListAddresses(LinkRef? link = null, AddressFamily family = AddressFamily.Unspecified)
    {
        lock (_lock)
        {
            int index = link is { } l ? IndexOf(l, "list addresses of", l.ToString()) : 0;
            _msg.Begin(Nl.RTM_GETADDR, Nl.F_DUMP);
            Span<byte> s = _msg.Struct(Nl.IfAddrMsgSize);
            s[0] = FamilyByte(family);
            var list = new List<Address>();
            Check(Dump(AddrInto, list), "list", "addresses");
            if (index != 0) list.RemoveAll(a => a.Index != index);
            return list;
        }
    }

    private void AddrHeader(ushort type, ushort flags, int index, IPAddress ip, int prefixLength)
    {
        _msg.Begin(type, flags);
        Span<byte> s = _msg.Struct(Nl.IfAddrMsgSize);
        s[0] = NetlinkMessageBuilder.Family(ip);
        s[1] = (byte)prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        _msg.Ip(Nl.IFA_LOCAL, ip);
        _msg.Ip(Nl.IFA_ADDRESS, ip);
    }

    private static IPAddress Broadcast(IPAddress ip, int prefix)
    {
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        uint v = BinaryPrimitives.ReadUInt32BigEndian(b) | (prefix == 0 ? uint.MaxValue : uint.MaxValue >> prefix);
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return new IPAddress(b);
    }

    private static byte FamilyByte(AddressFamily f) => f switch
    {
        AddressFamily.InterNetwork => Nl.AF_INET,
        AddressFamily.InterNetworkV6 => Nl.AF_INET6,
        _ => Nl.AF_UNSPEC,
    };
}
