using System.Buffers.Binary;
using System.Net;
using Podnet.Linux.Interop;
using Podnet.Linux.Nftables.Wire;
using static Podnet.Linux.Nftables.Wire.NlConst;

namespace Podnet.Linux.Nftables;

/// <summary>One IPv4 conntrack entry: the original and the reply direction tuples.</summary>
public sealed record ConntrackEntry(byte Protocol,
    IPAddress OrigSrc, ushort OrigSport, IPAddress OrigDst, ushort OrigDport,
    IPAddress ReplySrc, ushort ReplySport, IPAddress ReplyDst, ushort ReplyDport)
{
    public override string ToString() => $"proto {Protocol} {OrigSrc}:{OrigSport} -> {OrigDst}:{OrigDport} (reply from {ReplySrc}:{ReplySport})";
}

/// <summary>
/// The conntrack table of one namespace over ctnetlink (NFNL_SUBSYS_CTNETLINK): list IPv4 entries
/// and delete the ones that match, e.g. UDP flows still pinned to an endpoint that went away.
/// </summary>
public sealed class NfConntrack : IDisposable
{
    private const ushort Subsys = 1, MsgGet = 1, MsgDelete = 2;
    private const ushort TupleOrig = 1, TupleReply = 2, TupleIp = 1, TupleProto = 2, IpV4Src = 1, IpV4Dst = 2,
        ProtoNum = 1, ProtoSrcPort = 2, ProtoDstPort = 3;
    private const byte AfInet = 2;
    private readonly NftSocketHandle _sock;
    private readonly string? _netns;
    private readonly NlWriter _w = new(4096);
    private readonly byte[] _rx = new byte[256 * 1024];
    private uint _seq = (uint)Environment.TickCount ^ 0x5a5a;
    private readonly Lock _lock = new();

    public NfConntrack(string? netns = null)
    {
        _netns = netns;
        _sock = NftClient.OpenIn(netns, "open conntrack netlink socket");
    }

    public void Dispose() => _sock.Dispose();

    public IReadOnlyList<ConntrackEntry> List()
    {
        lock (_lock)
        {
            var list = new List<ConntrackEntry>();
            uint seq = ++_seq;
            _w.Reset();
            int m = _w.BeginMessage((ushort)(Subsys << 8 | MsgGet), (ushort)(F_REQUEST | F_DUMP), seq, AfInet);
            _w.EndMessage(m);
            Check(NftNative.Send(_sock, _w.Written), "list conntrack entries");
            while (true)
            {
                int n = NftNative.Receive(_sock, _rx, dontWait: false);
                if (n < 0) throw NftablesException.Kernel("list conntrack entries", _netns, -n);
                var r = new NlMessageReader(_rx.AsSpan(0, n));
                while (r.MoveNext())
                {
                    if (r.Seq != seq) continue;
                    if (r.Type == NLMSG_DONE) return list;
                    if (r.Type == NLMSG_ERROR)
                    {
                        int err = -BinaryPrimitives.ReadInt32LittleEndian(r.Payload);
                        if (err == 0) return list;
                        throw NftablesException.Kernel("list conntrack entries", _netns, err);
                    }
                    if (Parse(r.Payload) is { } e) list.Add(e);
                }
            }
        }
    }

    /// <summary>Deletes every entry that matches; returns how many went. Entries that vanish meanwhile are not errors.</summary>
    public int Delete(Func<ConntrackEntry, bool> match)
    {
        int deleted = 0;
        foreach (var e in List().Where(match))
            lock (_lock)
            {
                uint seq = ++_seq;
                _w.Reset();
                int m = _w.BeginMessage((ushort)(Subsys << 8 | MsgDelete), F_REQUEST | F_ACK, seq, AfInet);
                int t = _w.BeginNested(TupleOrig);
                int ip = _w.BeginNested(TupleIp);
                _w.Put(IpV4Src, e.OrigSrc.GetAddressBytes());
                _w.Put(IpV4Dst, e.OrigDst.GetAddressBytes());
                _w.EndNested(ip);
                int pr = _w.BeginNested(TupleProto);
                _w.PutU8(ProtoNum, e.Protocol);
                PutPort(ProtoSrcPort, e.OrigSport);
                PutPort(ProtoDstPort, e.OrigDport);
                _w.EndNested(pr);
                _w.EndNested(t);
                _w.EndMessage(m);
                Check(NftNative.Send(_sock, _w.Written), $"delete conntrack entry {e}");
                int err = WaitAck(seq);
                if (err == 0) deleted++;
                else if (err != 2) throw NftablesException.Kernel($"delete conntrack entry {e}", _netns, err);
            }
        return deleted;
    }

    private void PutPort(ushort type, ushort port)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, port);
        _w.Put(type, b);
    }

    private int WaitAck(uint seq)
    {
        while (true)
        {
            int n = NftNative.Receive(_sock, _rx, dontWait: false);
            if (n < 0) return -n;
            var r = new NlMessageReader(_rx.AsSpan(0, n));
            while (r.MoveNext())
                if (r.Seq == seq && r.Type == NLMSG_ERROR)
                    return -BinaryPrimitives.ReadInt32LittleEndian(r.Payload);
        }
    }

    private void Check(int errno, string what) { if (errno != 0) throw NftablesException.Kernel(what, _netns, errno); }

    private static ConntrackEntry? Parse(ReadOnlySpan<byte> payload)
    {
        (byte p, IPAddress? s, ushort sp, IPAddress? d, ushort dp) o = default, rep = default;
        foreach (var a in new NlAttrReader(payload[NfGenLength..]))
        {
            if (a.Type == TupleOrig) o = Tuple(a.Nested);
            else if (a.Type == TupleReply) rep = Tuple(a.Nested);
        }
        if (o.s is null || o.d is null || rep.s is null || rep.d is null) return null;
        return new ConntrackEntry(o.p, o.s, o.sp, o.d, o.dp, rep.s, rep.sp, rep.d, rep.dp);
    }

    private static (byte, IPAddress?, ushort, IPAddress?, ushort) Tuple(NlAttrReader r)
    {
        byte proto = 0;
        IPAddress? src = null, dst = null;
        ushort sp = 0, dp = 0;
        foreach (var a in r)
        {
            if (a.Type == TupleIp)
                foreach (var i in a.Nested)
                {
                    if (i.Type == IpV4Src && i.Value.Length == 4) src = new IPAddress(i.Value);
                    else if (i.Type == IpV4Dst && i.Value.Length == 4) dst = new IPAddress(i.Value);
                }
            else if (a.Type == TupleProto)
                foreach (var p in a.Nested)
                {
                    if (p.Type == ProtoNum && p.Value.Length >= 1) proto = p.Value[0];
                    else if (p.Type == ProtoSrcPort && p.Value.Length >= 2) sp = BinaryPrimitives.ReadUInt16BigEndian(p.Value);
                    else if (p.Type == ProtoDstPort && p.Value.Length >= 2) dp = BinaryPrimitives.ReadUInt16BigEndian(p.Value);
                }
        }
        return (proto, src, sp, dst, dp);
    }
}
