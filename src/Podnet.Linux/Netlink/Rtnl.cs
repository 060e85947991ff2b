using System.Buffers.Binary;
using Podnet.Linux.Netns;

namespace Podnet.Linux.Netlink;

/// <summary>
/// An rtnetlink (NETLINK_ROUTE) connection bound to one network namespace: links, addresses,
/// routes, neighbours and bridge FDB. The socket is created inside the namespace, so after
/// <see cref="Open(NetNs)"/> it can be used from any thread without setns. Calls are serialised
/// by a lock. Every failure is a <see cref="PodnetLinuxException"/> naming the operation, the
/// object and the namespace, e.g. <c>could not add veth "veth1a2b" in pnt-x: File exists (EEXIST)</c>.
/// </summary>
public sealed partial class Rtnl : IDisposable
{
    private readonly NetlinkSocket _sock;
    private readonly NetlinkMessageBuilder _msg = new();
    private readonly Lock _lock = new();

    private Rtnl(NetlinkSocket sock, string label)
    {
        _sock = sock;
        Namespace = label;
    }

    /// <summary>How errors name the namespace (its name or path).</summary>
    public string Namespace { get; }

    /// <summary>Opens a socket inside <paramref name="ns"/> (on a short-lived thread unless it is
    /// the process's own namespace).</summary>
    public static Rtnl Open(NetNs ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var sock = ns.IsProcessNamespace ? NetlinkSocket.Open() : ns.Run(NetlinkSocket.Open);
        return new Rtnl(sock, ns.Label);
    }

    /// <summary>Opens a socket inside <paramref name="ns"/> by switching the calling thread there and
    /// straight back (no extra thread: the fast path for short-lived processes such as podnet-cni).</summary>
    public static Rtnl OpenOnCallingThread(NetNs ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var sock = ns.IsProcessNamespace ? NetlinkSocket.Open() : ns.RunOnCallingThread(NetlinkSocket.Open);
        return new Rtnl(sock, ns.Label);
    }

    /// <summary>Opens a socket in the calling thread's namespace (no thread switch).
    /// <paramref name="label"/> names that namespace in errors.</summary>
    public static Rtnl OpenCurrent(string label = "the current netns") => new(NetlinkSocket.Open(), label);

    public void Dispose() => _sock.Dispose();

    // ---- plumbing shared by the partial files ----

    /// <summary>Sends the built message expecting an ack; returns 0 or errno.</summary>
    private int Ack()
    {
        uint seq = _sock.NextSeq();
        return _sock.Exchange<object?>(_msg.Finish(seq), seq, dump: false, expectAck: true, null, null);
    }

    /// <summary>Sends the built dump request; parsed replies go into <paramref name="into"/>.</summary>
    private int Dump<T>(NetlinkReplyHandler<List<T>> parse, List<T> into)
    {
        for (int attempt = 0; ; attempt++)
        {
            uint seq = _sock.NextSeq();
            int err = _sock.Exchange(_msg.Finish(seq), seq, dump: true, expectAck: false, parse, into);
            // EINTR: the kernel flagged the dump inconsistent (NLM_F_DUMP_INTR); run it again.
            if (err != Errno.EINTR || attempt == 4) return err;
            into.Clear();
        }
    }

    /// <summary>Sends the built get request (single reply).</summary>
    private int Get<T>(NetlinkReplyHandler<List<T>> parse, List<T> into)
    {
        uint seq = _sock.NextSeq();
        return _sock.Exchange(_msg.Finish(seq), seq, dump: false, expectAck: false, parse, into);
    }

    private void Check(int errno, string op, string obj)
    {
        if (errno != 0) throw Error(errno, op, obj);
    }

    private PodnetLinuxException Error(int errno, string op, string obj) =>
        new(op, obj, Namespace, errno, _sock.LastExtAck);

    private PodnetLinuxException Invalid(string op, string obj, string problem) =>
        new(op, obj, Namespace, Errno.EINVAL, problem);

    private void CheckName(string? name, string op, string obj)
    {
        if (Names.InterfaceNameProblem(name) is { } p) throw Invalid(op, obj, p);
    }

    /// <summary>Writes ifinfomsg { family, type 0, index, flags, change }.</summary>
    private void IfInfo(byte family, int index, uint flags = 0, uint change = 0)
    {
        Span<byte> s = _msg.Struct(Nl.IfInfoMsgSize);
        s[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
    }

    /// <summary>Writes ifinfomsg for <paramref name="link"/>, plus IFLA_IFNAME when referenced by name.</summary>
    private void IfInfo(LinkRef link, uint flags = 0, uint change = 0, byte family = Nl.AF_UNSPEC)
    {
        IfInfo(family, link.Index, flags, change);
        if (link.Name is not null) _msg.String(Nl.IFLA_IFNAME, link.Name);
    }

    private void CheckRef(LinkRef link, string op)
    {
        if (link.Name is not null) CheckName(link.Name, op, link.ToString());
        else if (link.Index <= 0) throw Invalid(op, link.ToString(), "no such interface index");
    }

    /// <summary>The ifindex of <paramref name="link"/>, looking the name up when needed.</summary>
    private int IndexOf(LinkRef link, string op, string obj)
    {
        if (link.Name is null)
        {
            if (link.Index <= 0) throw Invalid(op, obj, $"invalid interface index {link.Index}");
            return link.Index;
        }
        CheckName(link.Name, op, obj);
        Link? l;
        int err;
        lock (_lock) l = FindLinkCore(link.Name, out err);
        if (l is null) throw new PodnetLinuxException(op, obj, Namespace, err,
            $"interface {link} not found");
        return l.Index;
    }
}
