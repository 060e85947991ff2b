using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    private static readonly NetlinkReplyHandler<List<Route>> RouteInto = static (type, p, list) =>
    {
        if (type != Nl.RTM_NEWROUTE || p.Length < Nl.RtMsgSize) return;
        byte family = p[0], dstLen = p[1];
        uint table = p[4];
        byte protocol = p[5], scope = p[6], rtype = p[7];
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        IPAddress? dst = null, gw = null, src = null;
        int oif = 0;
        uint? metric = null;
        var a = new NetlinkAttributes(p[Nl.RtMsgSize..]);
        while (a.MoveNext())
        {
            switch (a.Type)
            {
                case Nl.RTA_DST: dst = a.Ip; break;
                case Nl.RTA_GATEWAY: gw = a.Ip; break;
                case Nl.RTA_PREFSRC: src = a.Ip; break;
                case Nl.RTA_OIF: oif = (int)a.U32; break;
                case Nl.RTA_PRIORITY: metric = a.U32; break;
                case Nl.RTA_TABLE: table = a.U32; break;
            }
        }
        IPNetwork? net = dst is not null ? new IPNetwork(dst, dstLen)
            : dstLen == 0 ? null
            : new IPNetwork(family == Nl.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        list.Add(new Route
        {
            Destination = net, Gateway = gw, Source = src, OutIndex = oif, Metric = metric, Table = table,
            Protocol = protocol, Scope = scope, Type = rtype, OnLink = (flags & Nl.RTNH_F_ONLINK) != 0,
        });
    };

    /// <summary>Adds or replaces the route (NLM_F_REPLACE: `ip route replace`).</summary>
    public void ReplaceRoute(Route route) =>
        RouteRequest(Nl.RTM_NEWROUTE, Nl.F_ACK | Nl.F_CREATE | Nl.F_REPLACE, route, "replace");

    /// <summary>Adds the route; fails with EEXIST unless <paramref name="ignoreExisting"/>.</summary>
    public void AddRoute(Route route, bool ignoreExisting = false)
    {
        try { RouteRequest(Nl.RTM_NEWROUTE, Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL, route, "add"); }
        catch (PodnetLinuxException e) when (ignoreExisting && e.Errno == Errno.EEXIST) { }
    }

    /// <summary>Deletes the route; a missing one is success with <paramref name="ignoreMissing"/>.</summary>
    public void DeleteRoute(Route route, bool ignoreMissing = true)
    {
        try { RouteRequest(Nl.RTM_DELROUTE, Nl.F_ACK, route, "delete"); }
        catch (PodnetLinuxException e) when (ignoreMissing && e.Errno == Errno.ESRCH) { }
    }

    /// <summary>Routes of one table (default: main; null = every table), IPv4 and/or IPv6.</summary>
    public List<Route> ListRoutes(AddressFamily family = AddressFamily.Unspecified, uint? table = RouteTables.Main)
    {
        lock (_lock)
        {
            _msg.Begin(Nl.RTM_GETROUTE, Nl.F_DUMP);
            Span<byte> s = _msg.Struct(Nl.RtMsgSize);
            s[0] = FamilyByte(family);
            var list = new List<Route>();
            Check(Dump(RouteInto, list), "list", "routes");
            if (table is { } t) list.RemoveAll(r => r.Table != t);
            return list;
        }
    }

    private void RouteRequest(ushort type, ushort flags, Route r, string op)
    {
        string obj = "route " + r;
        var fam = r.Family;
        if (r.Gateway is { } g && g.AddressFamily != fam) throw Invalid(op, obj, "gateway family differs from destination");
        if (r.Source is { } sr && sr.AddressFamily != fam) throw Invalid(op, obj, "source family differs from destination");
        lock (_lock)
        {
            _msg.Begin(type, flags);
            Span<byte> s = _msg.Struct(Nl.RtMsgSize);
            s[0] = fam == AddressFamily.InterNetworkV6 ? Nl.AF_INET6 : Nl.AF_INET;
            s[1] = (byte)(r.Destination?.PrefixLength ?? 0);
            s[4] = r.Table < 256 ? (byte)r.Table : (byte)0; // RT_TABLE_UNSPEC + RTA_TABLE beyond 255
            s[5] = r.Protocol;
            s[6] = type == Nl.RTM_DELROUTE && r.Scope is null
                ? RouteScopes.Nowhere // matches any scope, as ip route del does
                : r.Scope ?? (r.Gateway is null && r.OutIndex != 0 ? RouteScopes.Link : RouteScopes.Universe);
            s[7] = r.Type;
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], r.OnLink ? Nl.RTNH_F_ONLINK : 0);
            if (type == Nl.RTM_DELROUTE && r.Protocol == RouteProtocols.Boot) s[5] = RouteProtocols.Unspec;
            if (r.Table >= 256) _msg.U32(Nl.RTA_TABLE, r.Table);
            if (r.Destination is { } d && d.PrefixLength > 0) _msg.Ip(Nl.RTA_DST, d.BaseAddress);
            if (r.Gateway is not null) _msg.Ip(Nl.RTA_GATEWAY, r.Gateway);
            if (r.OutIndex != 0) _msg.U32(Nl.RTA_OIF, (uint)r.OutIndex);
            if (r.Source is not null) _msg.Ip(Nl.RTA_PREFSRC, r.Source);
            if (r.Metric is { } m) _msg.U32(Nl.RTA_PRIORITY, m);
            Check(Ack(), op, obj);
        }
    }
}
