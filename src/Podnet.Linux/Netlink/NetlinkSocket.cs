using System.Buffers.Binary;
using Podnet.Linux.Interop;

namespace Podnet.Linux.Netlink;

/// <summary>Receives the payload (after nlmsghdr) of each reply message of a request.</summary>
internal delegate void NetlinkReplyHandler<TState>(ushort type, ReadOnlySpan<byte> payload, TState state);

/// <summary>
/// A NETLINK_ROUTE socket in the namespace of the thread that opened it, with request/ack
/// matching by sequence number and multipart dumps. Not thread-safe (Rtnl serialises calls).
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    private readonly SafeFdHandle _fd;
    // Uninitialised: only the bytes recv() wrote are read, and a zeroed 64 KiB costs short-lived
    // callers (a CNI plugin opens two sockets per call) 16 page faults and a memset each.
    private readonly byte[] _recv = GC.AllocateUninitializedArray<byte>(64 * 1024);
    private uint _seq = (uint)Environment.TickCount;

    private NetlinkSocket(SafeFdHandle fd) => _fd = fd;

    /// <summary>The kernel's extended-ack text of the last failed request, if it sent one.</summary>
    public string? LastExtAck { get; private set; }

    /// <summary>Opens a socket in the calling thread's namespace; returns errno on failure.</summary>
    public static NetlinkSocket Open()
    {
        var fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW, Nl.NETLINK_ROUTE);
        if (fd.IsInvalid) throw new PodnetLinuxException("open", "netlink socket", null, Errno.Last());
        Span<byte> sa = stackalloc byte[12]; // sockaddr_nl: family, pad, pid 0 (kernel assigns), groups 0
        sa.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sa, Libc.AF_NETLINK);
        if (Libc.Bind(fd, sa) != 0)
        {
            int e = Errno.Last();
            fd.Dispose();
            throw new PodnetLinuxException("bind", "netlink socket", null, e);
        }
        // Best effort: error text from the kernel, and acks without the echoed request.
        Libc.SetSockOpt(fd, Nl.SOL_NETLINK, Nl.NETLINK_EXT_ACK, 1);
        Libc.SetSockOpt(fd, Nl.SOL_NETLINK, Nl.NETLINK_CAP_ACK, 1);
        return new NetlinkSocket(fd);
    }

    public uint NextSeq() => ++_seq;

    /// <summary>
    /// The index of link <paramref name="name"/> in this socket's namespace by SIOCGIFINDEX (the kernel
    /// looks it up under RCU, not under rtnl_lock), or -errno (-ENODEV when there is none).
    /// </summary>
    public int IndexOf(string name) => Libc.IfIndex(_fd, name);

    /// <summary>
    /// Sends <paramref name="request"/> (already finished with <paramref name="seq"/>) and reads
    /// replies until the ack, NLMSG_DONE of a dump, or (for a non-dump get) the first reply.
    /// Returns 0 or a positive errno; other messages go to <paramref name="onReply"/>.
    /// </summary>
    public int Exchange<TState>(ReadOnlySpan<byte> request, uint seq, bool dump, bool expectAck,
        NetlinkReplyHandler<TState>? onReply, TState state)
    {
        LastExtAck = null;
        int sent;
        do sent = Libc.Send(_fd, request); while (sent < 0 && Errno.Last() == Errno.EINTR);
        if (sent < 0) return Errno.Last();

        bool interrupted = false;
        while (true)
        {
            int n;
            do n = Libc.Recv(_fd, _recv, Libc.MSG_TRUNC); while (n < 0 && Errno.Last() == Errno.EINTR);
            if (n < 0) return Errno.Last();
            if (n > _recv.Length) return Errno.EMSGSIZE; // truncated datagram: cannot trust it
            ReadOnlySpan<byte> buf = _recv.AsSpan(0, n);
            bool gotReply = false;
            while (buf.Length >= Nl.HeaderSize)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buf);
                if (len < Nl.HeaderSize || len > buf.Length) return Errno.EPROTO;
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(buf[4..]);
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(buf[6..]);
                uint mseq = BinaryPrimitives.ReadUInt32LittleEndian(buf[8..]);
                ReadOnlySpan<byte> payload = buf[Nl.HeaderSize..len];
                buf = buf[Math.Min(Nl.Align(len), buf.Length)..];
                if (mseq != seq) continue; // late reply of an earlier, abandoned request

                if (type == Nl.NLMSG_ERROR)
                {
                    int err = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : Errno.EPROTO;
                    if (err != 0) LastExtAck = ReadExtAck(payload, flags);
                    return err;
                }
                if (type == Nl.NLMSG_DONE)
                {
                    int err = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                    if (err > 0) { LastExtAck = ReadExtAck(payload, flags); return err; }
                    // The table changed during the dump: the caller retries for a consistent view.
                    if (dump && (interrupted || (flags & Nl.F_DUMP_INTR) != 0)) return Errno.EINTR;
                    if (!expectAck || dump) return 0;
                    continue;
                }
                if (type == Nl.NLMSG_NOOP) continue;
                if ((flags & Nl.F_DUMP_INTR) != 0) interrupted = true;
                onReply?.Invoke(type, payload, state);
                gotReply = true;
            }
            if (gotReply && !dump && !expectAck) return 0;
        }
    }

    private static string? ReadExtAck(ReadOnlySpan<byte> payload, ushort flags)
    {
        if ((flags & Nl.F_ACK_TLVS) == 0 || payload.Length < 4 + Nl.HeaderSize) return null;
        int origLen = (flags & Nl.F_CAPPED) != 0
            ? Nl.HeaderSize
            : (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        int off = 4 + Nl.Align(origLen);
        if (off > payload.Length) return null;
        var attrs = new NetlinkAttributes(payload[off..]);
        while (attrs.MoveNext())
            if (attrs.Type == Nl.NLMSGERR_ATTR_MSG) return attrs.String;
        return null;
    }

    public void Dispose() => _fd.Dispose();
}
