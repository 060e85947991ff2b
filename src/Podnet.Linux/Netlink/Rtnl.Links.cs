using System.Net;
using Podnet.Linux.Netns;

namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    /// <summary>The link called <paramref name="name"/>, or null if there is none.</summary>
    public Link? FindLink(string name)
    {
        CheckName(name, "get link", Q(name));
        lock (_lock)
        {
            var l = FindLinkCore(name, out int err);
            if (l is null && err != Errno.ENODEV) throw Error(err, "get link", Q(name));
            return l;
        }
    }

    /// <summary>
    /// The index of the link called <paramref name="name"/>, or null if there is none, without taking the
    /// kernel's rtnl lock (a GETLINK request waits for it behind every other process's link changes: tens
    /// of ms while others delete links).
    /// </summary>
    public int? FindIndexUnlocked(string name)
    {
        CheckName(name, "get link index", Q(name));
        lock (_lock)
        {
            int r = _sock.IndexOf(name);
            if (r == -Errno.ENODEV) return null;
            if (r < 0) throw Error(-r, "get link index", Q(name));
            return r;
        }
    }

    /// <summary>The link with <paramref name="index"/>, or null if there is none.</summary>
    public Link? FindLink(int index)
    {
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_GETLINK, 0);
            IfInfo(Nl.AF_UNSPEC, index);
            _msg.U32(Nl.IFLA_EXT_MASK, Nl.RTEXT_FILTER_SKIP_STATS);
            var list = new List<Link>(1);
            int err = Get(LinkParser.Into, list);
            if (err == Errno.ENODEV) return null;
            Check(err, "get link", "ifindex " + index);
            return list.Count > 0 ? list[0] : null;
        }
    }

    /// <summary>The link <paramref name="link"/>; throws ENODEV naming it if missing.</summary>
    public Link GetLink(LinkRef link)
    {
        var l = link.Name is not null ? FindLink(link.Name) : FindLink(link.Index);
        return l ?? throw new PodnetLinuxException("get link", link.ToString(), Namespace, Errno.ENODEV);
    }

    /// <summary>All links of the namespace.</summary>
    public List<Link> ListLinks()
    {
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_GETLINK, Nl.F_DUMP);
            IfInfo(Nl.AF_UNSPEC, 0);
            _msg.U32(Nl.IFLA_EXT_MASK, Nl.RTEXT_FILTER_SKIP_STATS);
            var list = new List<Link>();
            Check(Dump(LinkParser.Into, list), "list", "links");
            return list;
        }
    }

    private Link? FindLinkCore(string name, out int err)
    {
        _msg.Begin(Nl.RTM_GETLINK, 0);
        IfInfo(Nl.AF_UNSPEC, 0);
        _msg.String(Nl.IFLA_IFNAME, name);
        _msg.U32(Nl.IFLA_EXT_MASK, Nl.RTEXT_FILTER_SKIP_STATS);
        var list = new List<Link>(1);
        err = Get(LinkParser.Into, list);
        return err == 0 && list.Count > 0 ? list[0] : null;
    }

    /// <summary>
    /// Adds a veth pair <paramref name="name"/> ↔ <paramref name="peerName"/>. The peer is created
    /// directly in <paramref name="peerNs"/> when given (one request, nothing to move afterwards).
    /// </summary>
    /// <remarks>
    /// <paramref name="masterIndex"/>, <paramref name="up"/> and <paramref name="peerUp"/> are applied by the
    /// kernel in the same request (enslaved to that bridge, IFF_UP on either end): one rtnl_lock round
    /// instead of four, which matters when many callers contend for it.
    /// </remarks>
    /// <returns>The new link as the kernel echoes it (NLM_F_ECHO, Linux 6.3+; its ParentIndex is the peer's
    /// index, in <paramref name="peerNs"/>), or null when the kernel does not echo: one lookup less.</returns>
    public Link? AddVeth(string name, string peerName, NetNs? peerNs = null, int? mtu = null,
        MacAddress? mac = null, MacAddress? peerMac = null, int? masterIndex = null, bool up = false, bool peerUp = false)
    {
        string obj = Q(name);
        CheckName(name, "add veth", obj);
        CheckName(peerName, "add veth", obj + " (peer " + Q(peerName) + ")");
        bool added = false;
        try
        {
            peerNs?.Handle.DangerousAddRef(ref added);
            lock (_lock)
            {
                NewLinkHeader(name, mtu, mac, up ? Nl.IFF_UP : 0, Nl.F_ECHO);
                if (masterIndex is { } mi) _msg.U32(Nl.IFLA_MASTER, (uint)mi);
                int li = _msg.BeginNested(Nl.IFLA_LINKINFO);
                _msg.String(Nl.IFLA_INFO_KIND, "veth");
                int data = _msg.BeginNested(Nl.IFLA_INFO_DATA);
                int peer = _msg.BeginNested(Nl.VETH_INFO_PEER);
                IfInfo(Nl.AF_UNSPEC, 0, peerUp ? Nl.IFF_UP : 0, peerUp ? Nl.IFF_UP : 0);
                _msg.String(Nl.IFLA_IFNAME, peerName);
                if (mtu is { } m) _msg.U32(Nl.IFLA_MTU, (uint)m);
                if (peerMac is { } pm) _msg.Mac(Nl.IFLA_ADDRESS, pm);
                if (peerNs is not null) _msg.U32(Nl.IFLA_NET_NS_FD, (uint)peerNs.Handle.Fd);
                _msg.EndNested(peer);
                _msg.EndNested(data);
                _msg.EndNested(li);
                var echoed = new List<Link>(1);
                uint seq = _sock.NextSeq();
                int err = _sock.Exchange(_msg.Finish(seq), seq, dump: false, expectAck: true, LinkParser.Into, echoed);
                if (err != 0)
                {
                    string where = peerNs is null ? "" : " in " + peerNs.Label;
                    throw Error(err, "add veth", $"{obj} (peer {Q(peerName)}{where})");
                }
                return echoed.Find(l => l.Name == name);
            }
        }
        finally { if (added) peerNs!.Handle.DangerousRelease(); }
    }

    /// <summary>Adds a bridge. <paramref name="vlanFiltering"/> turns on 802.1Q filtering.</summary>
    public void AddBridge(string name, int? mtu = null, MacAddress? mac = null, bool? vlanFiltering = null)
    {
        CheckName(name, "add bridge", Q(name));
        lock (_lock)
        {
            NewLinkHeader(name, mtu, mac);
            int li = _msg.BeginNested(Nl.IFLA_LINKINFO);
            _msg.String(Nl.IFLA_INFO_KIND, "bridge");
            if (vlanFiltering is { } vf)
            {
                int d = _msg.BeginNested(Nl.IFLA_INFO_DATA);
                _msg.U8(Nl.IFLA_BR_VLAN_FILTERING, vf ? (byte)1 : (byte)0);
                _msg.EndNested(d);
            }
            _msg.EndNested(li);
            Check(Ack(), "add bridge", Q(name));
        }
    }

    /// <summary>Adds a dummy link.</summary>
    public void AddDummy(string name, int? mtu = null, MacAddress? mac = null)
    {
        CheckName(name, "add dummy", Q(name));
        lock (_lock)
        {
            NewLinkHeader(name, mtu, mac);
            int li = _msg.BeginNested(Nl.IFLA_LINKINFO);
            _msg.String(Nl.IFLA_INFO_KIND, "dummy");
            _msg.EndNested(li);
            Check(Ack(), "add dummy", Q(name));
        }
    }

    /// <summary>
    /// Adds a vxlan device with <paramref name="vni"/> on UDP <paramref name="port"/> (8472 is
    /// flannel's, 4789 IANA's). <paramref name="local"/> is the source VTEP address,
    /// <paramref name="underlay"/> the device it sends through. Learning is off by default: the
    /// overlay agent programs FDB and neighbour entries itself. <paramref name="udpChecksum"/> false
    /// sends IPv4 outer UDP checksums as zero (RFC 7348 says it SHOULD be zero; the inner packet
    /// keeps its own checksum); null keeps the kernel's default.
    /// </summary>
    public void AddVxlan(string name, uint vni, ushort port = 8472, IPAddress? local = null,
        LinkRef? underlay = null, bool learning = false, int? mtu = null, MacAddress? mac = null, bool? udpChecksum = null)
    {
        string obj = Q(name);
        CheckName(name, "add vxlan", obj);
        if (vni > 0xffffff) throw Invalid("add vxlan", obj, $"VNI {vni} does not fit in 24 bits");
        lock (_lock)
        {
            int under = underlay is { } u ? IndexOf(u, "add vxlan", obj) : 0;
            NewLinkHeader(name, mtu, mac);
            int li = _msg.BeginNested(Nl.IFLA_LINKINFO);
            _msg.String(Nl.IFLA_INFO_KIND, "vxlan");
            int d = _msg.BeginNested(Nl.IFLA_INFO_DATA);
            _msg.U32(Nl.IFLA_VXLAN_ID, vni);
            if (under != 0) _msg.U32(Nl.IFLA_VXLAN_LINK, (uint)under);
            if (local is not null)
                _msg.Ip(local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                    ? Nl.IFLA_VXLAN_LOCAL6 : Nl.IFLA_VXLAN_LOCAL, local);
            _msg.U8(Nl.IFLA_VXLAN_LEARNING, learning ? (byte)1 : (byte)0);
            _msg.U16BigEndian(Nl.IFLA_VXLAN_PORT, port);
            if (udpChecksum is { } csum) _msg.U8(Nl.IFLA_VXLAN_UDP_CSUM, csum ? (byte)1 : (byte)0);
            _msg.EndNested(d);
            _msg.EndNested(li);
            Check(Ack(), "add vxlan", obj);
        }
    }

    /// <summary>Deletes a link (a veth takes its peer with it). With <paramref name="ignoreMissing"/>
    /// a link that is already gone is success.</summary>
    public void DeleteLink(LinkRef link, bool ignoreMissing = true)
    {
        CheckRef(link, "delete link");
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_DELLINK, Nl.F_ACK);
            IfInfo(link);
            int err = Ack();
            if (err == Errno.ENODEV && ignoreMissing) return;
            Check(err, "delete link", link.ToString());
        }
    }

    /// <summary>Sets the link administratively up.</summary>
    public void SetUp(LinkRef link) => SetFlags(link, Nl.IFF_UP, Nl.IFF_UP, "set up");

    /// <summary>Sets the link administratively down.</summary>
    public void SetDown(LinkRef link) => SetFlags(link, 0, Nl.IFF_UP, "set down");

    /// <summary>Turns IFF_PROMISC on or off.</summary>
    public void SetPromisc(LinkRef link, bool on) =>
        SetFlags(link, on ? Nl.IFF_PROMISC : 0, Nl.IFF_PROMISC, on ? "set promisc on" : "set promisc off");

    public void SetMtu(LinkRef link, int mtu) =>
        SetAttr(link, "set mtu " + mtu, m => m.U32(Nl.IFLA_MTU, (uint)mtu));

    /// <summary>
    /// BIG TCP: sets the largest GSO and GRO super-packet for IPv4 and IPv6 on the link (the kernel
    /// refuses more than the link's <see cref="Link.TsoMaxSize"/> with EINVAL). Every device a
    /// super-packet crosses must allow its size, or the stack segments it in software there.
    /// </summary>
    public void SetGsoMaxSize(LinkRef link, int size)
    {
        if (size is < 1 or > 524280)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"GSO/GRO max size for {link} must be 1..524280");
        SetAttr(link, "set gso/gro max size " + size, m =>
        {
            m.U32(Nl.IFLA_GSO_MAX_SIZE, (uint)size);
            m.U32(Nl.IFLA_GSO_IPV4_MAX_SIZE, (uint)size);
            m.U32(Nl.IFLA_GRO_MAX_SIZE, (uint)size);
            m.U32(Nl.IFLA_GRO_IPV4_MAX_SIZE, (uint)size);
        });
    }

    public void SetMac(LinkRef link, MacAddress mac) =>
        SetAttr(link, "set address " + mac, m => m.Mac(Nl.IFLA_ADDRESS, mac));

    /// <summary>Renames a link (it must be down).</summary>
    public void SetName(LinkRef link, string newName)
    {
        CheckName(newName, "rename", link + " to " + Q(newName));
        if (link.Name is not null)
        {
            // IFLA_IFNAME would be taken as the lookup key: resolve the index first.
            int idx = IndexOf(link, "rename", link.ToString());
            link = new LinkRef(idx);
        }
        SetAttr(link, "rename to " + Q(newName), m => m.String(Nl.IFLA_IFNAME, newName));
    }

    /// <summary>Enslaves the link to a bridge (<paramref name="master"/>).</summary>
    public void SetMaster(LinkRef link, LinkRef master)
    {
        int mi = IndexOf(master, "set master", link.ToString());
        SetAttr(link, "set master " + master, m => m.U32(Nl.IFLA_MASTER, (uint)mi));
    }

    /// <summary>Releases the link from its bridge.</summary>
    public void SetNoMaster(LinkRef link) =>
        SetAttr(link, "set nomaster", m => m.U32(Nl.IFLA_MASTER, 0));

    /// <summary>Moves the link into <paramref name="ns"/>. It disappears from this namespace.</summary>
    public void SetNetns(LinkRef link, NetNs ns)
    {
        bool added = false;
        try
        {
            ns.Handle.DangerousAddRef(ref added);
            int fd = ns.Handle.Fd;
            SetAttr(link, "move to netns " + ns.Label, m => m.U32(Nl.IFLA_NET_NS_FD, (uint)fd));
        }
        finally { if (added) ns.Handle.DangerousRelease(); }
    }

    /// <summary>Sets the bridge-port hairpin flag (reflect frames back out of the port they came in on).</summary>
    public void SetHairpin(LinkRef link, bool on)
    {
        string op = on ? "set hairpin on" : "set hairpin off";
        lock (_lock)
        {
            // Same request as `bridge link set dev X hairpin on`: AF_BRIDGE + nested IFLA_PROTINFO.
            // The bridge setlink path finds the port by ifindex only.
            int index = IndexOf(link, op, link.ToString());
            _msg.Begin(Nl.RTM_SETLINK, Nl.F_ACK);
            IfInfo(Nl.AF_BRIDGE, index);
            int pi = _msg.BeginNested(Nl.IFLA_PROTINFO, nestedFlag: true);
            _msg.U8(Nl.IFLA_BRPORT_MODE, on ? (byte)1 : (byte)0);
            _msg.EndNested(pi);
            Check(Ack(), op, link.ToString());
        }
    }

    private void NewLinkHeader(string name, int? mtu, MacAddress? mac, uint flags = 0, ushort extraNlFlags = 0)
    {
        _msg.Begin(Nl.RTM_NEWLINK, (ushort)(Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL | extraNlFlags));
        IfInfo(Nl.AF_UNSPEC, 0, flags, flags);
        _msg.String(Nl.IFLA_IFNAME, name);
        if (mtu is { } m) _msg.U32(Nl.IFLA_MTU, (uint)m);
        if (mac is { } a) _msg.Mac(Nl.IFLA_ADDRESS, a);
    }

    private void SetFlags(LinkRef link, uint flags, uint change, string op)
    {
        CheckRef(link, op);
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_NEWLINK, Nl.F_ACK);
            IfInfo(link, flags, change);
            Check(Ack(), op, link.ToString());
        }
    }

    private void SetAttr(LinkRef link, string op, Action<NetlinkMessageBuilder> attrs)
    {
        CheckRef(link, op);
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_NEWLINK, Nl.F_ACK);
            IfInfo(link);
            attrs(_msg);
            Check(Ack(), op, link.ToString());
        }
    }

    private static string Q(string s) => "\"" + s + "\"";
}
