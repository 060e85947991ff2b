using System.Buffers.Binary;
using Podnet.Linux.Interop;
using Podnet.Linux.Nftables.Wire;
using static Podnet.Linux.Nftables.Wire.NlConst;

namespace Podnet.Linux.Nftables;

/// <summary>
/// Talks nf_tables over a NETLINK_NETFILTER socket bound in one network namespace (the caller's,
/// or a named one under /run/netns). Transactions go out as one nfnetlink batch, so the kernel
/// applies all of them or none. Not thread-safe for concurrent calls; calls are serialized.
/// </summary>
public sealed class NftClient : INftRunner, IDisposable
{
    private const int DefaultBuffer = 4 << 20;
    private readonly NftSocketHandle _sock;
    private readonly NlWriter _w = new(64 * 1024);
    private readonly byte[] _rx = new byte[256 * 1024];
    private readonly Lock _lock = new();
    private readonly string? _netns;
    private uint _seq = (uint)Environment.TickCount;
    private int _sndbuf = DefaultBuffer;

    /// <param name="netns">A namespace name under /run/netns (or a path); null for the current namespace.</param>
    public NftClient(string? netns = null)
    {
        _netns = netns;
        _sock = OpenIn(netns, "open nftables netlink socket");
    }

    public string? Netns => _netns;

    /// <summary>Opens a NETLINK_NETFILTER socket in a namespace (null: the caller's).</summary>
    internal static NftSocketHandle OpenIn(string? netns, string what)
    {
        int errno = 0;
        NftSocketHandle? sock = null;
        if (netns is null) sock = NftNative.OpenSocket(DefaultBuffer, out errno);
        else
        {
            // setns changes only the calling thread: open the socket on a throwaway thread. The
            // socket stays in that namespace for its whole life.
            var path = netns.StartsWith('/') ? netns : $"/run/netns/{netns}";
            var t = new Thread(() =>
            {
                errno = NftNative.EnterNetns(path);
                if (errno == 0) sock = NftNative.OpenSocket(DefaultBuffer, out errno);
            });
            t.Start();
            t.Join();
        }
        if (errno != 0 || sock is null || sock.IsInvalid)
        {
            sock?.Dispose();
            throw NftablesException.Kernel(what, netns, errno);
        }
        return sock;
    }

    public void Dispose() => _sock.Dispose();

    /// <summary>Size in bytes of the last batch sent (for benchmarks).</summary>
    public int LastBatchBytes { get; private set; }

    public void Apply(NftTransaction tx)
    {
        if (tx.Count == 0) return;
        lock (_lock)
        {
            var enc = new NftBatchEncoder(_w, _seq);
            enc.Encode(tx);
            _seq = enc.LastSeq + 2;
            LastBatchBytes = _w.Length;
            if (_w.Length + 4096 > _sndbuf)
            {
                _sndbuf = _w.Length * 2;
                NftNative.SetSendBuffer(_sock, _sndbuf);
            }
            DrainStale();
            int errno = NftNative.Send(_sock, _w.Written);
            if (errno != 0)
                throw NftablesException.Kernel($"send nftables transaction of {enc.Messages} changes ({_w.Length} bytes)", _netns, errno);
            CollectReplies(enc);
        }
    }

    // The kernel handles a batch synchronously inside send(): every reply is queued by the time it
    // returns, so a non-blocking drain sees all of them and can never wait forever.
    private void CollectReplies(NftBatchEncoder enc)
    {
        bool acked = false, overrun = false;
        uint errSeq = uint.MaxValue;
        int errErrno = 0, errors = 0;
        string? errMsg = null;
        while (true)
        {
            int n = NftNative.Receive(_sock, _rx, dontWait: true);
            if (n == -NftNative.EAGAIN) break;
            if (n == -105) { overrun = true; continue; } // ENOBUFS: replies were dropped
            if (n < 0) throw NftablesException.Kernel("read nftables replies", _netns, -n);
            var r = new NlMessageReader(_rx.AsSpan(0, n));
            while (r.MoveNext())
            {
                if (r.Type != NLMSG_ERROR || r.Payload.Length < 20) continue;
                int err = -BinaryPrimitives.ReadInt32LittleEndian(r.Payload);
                uint seq = BinaryPrimitives.ReadUInt32LittleEndian(r.Payload[12..]);
                if (seq < enc.FirstSeq || seq > enc.LastSeq + 1) continue; // not ours
                if (err == 0) { if (seq == enc.LastSeq) acked = true; continue; }
                errors++;
                if (seq < errSeq)
                {
                    errSeq = seq;
                    errErrno = err;
                    errMsg = ExtAckMessage(r.Flags, r.Payload);
                }
            }
        }
        if (errors > 0)
        {
            var what = enc.Descriptions.TryGetValue(errSeq, out var d) ? d : $"apply nftables change #{errSeq - enc.FirstSeq}";
            throw NftablesException.Kernel(what, _netns, errErrno, errMsg);
        }
        if (overrun) throw NftablesException.Kernel($"read replies to a transaction of {enc.Messages} changes", _netns, 105);
        if (!acked)
            throw new NftablesException($"nftables transaction of {enc.Messages} changes{Where} was not acknowledged by the kernel");
    }

    private string Where => _netns is null ? "" : $" in {_netns}";

    private static string? ExtAckMessage(ushort flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & F_ACK_TLVS) == 0) return null;
        // nlmsgerr = error + original header (+ original payload unless capped).
        int origLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        int off = 4 + ((flags & F_CAPPED) != 0 ? HeaderLength : NlWriter.Align(origLen));
        if (off >= payload.Length) return null;
        foreach (var a in new NlAttrReader(payload[off..]))
            if (a.Type == NLMSGERR_ATTR_MSG) return a.String;
        return null;
    }

    private void DrainStale()
    {
        while (NftNative.Receive(_sock, _rx, dontWait: true) > 0) { }
    }

    public NftTableState? List(NftTable table, bool withElements = true)
    {
        lock (_lock)
        {
            bool exists = false;
            Dump(GETTABLE, table, null, p => exists |= NftDecoder.TableName(p) == table.Name, "list tables");
            if (!exists) return null;
            var chains = new Dictionary<string, NftChain>();
            Dump(GETCHAIN, table, w => w.PutString(CHAIN_TABLE, table.Name),
                p => { var c = NftDecoder.Chain(table, p); chains[c.Name] = c; }, $"list chains of {table}");
            var rules = new List<NftRuleInfo>();
            Dump(GETRULE, table, w => w.PutString(RULE_TABLE, table.Name),
                p => rules.Add(NftDecoder.Rule(p)), $"list rules of {table}");
            var sets = new Dictionary<string, NftSet>();
            Dump(GETSET, table, w => w.PutString(SET_TABLE, table.Name),
                p => { var s = NftDecoder.Set(table, p); sets[s.Name] = s; }, $"list sets of {table}");
            var elements = new Dictionary<string, IReadOnlyList<NftElement>>();
            if (withElements)
            {
                foreach (var s in sets.Keys)
                {
                    var list = new List<NftElement>();
                    Dump(GETSETELEM, table, w => { w.PutString(ELEM_LIST_TABLE, table.Name); w.PutString(ELEM_LIST_SET, s); },
                        p => NftDecoder.Elements(p, list), $"list elements of set \"{s}\" of {table}");
                    elements[s] = list;
                }
            }
            return new NftTableState(table, chains, rules, sets, elements);
        }
    }

    /// <summary>Lists the names of the tables of one family.</summary>
    public IReadOnlyList<string> ListTables(NftFamily family)
    {
        lock (_lock)
        {
            var names = new List<string>();
            Dump(GETTABLE, new NftTable(family, ""), null, p => { if (NftDecoder.TableName(p) is { } n) names.Add(n); }, "list tables");
            return names;
        }
    }

    private delegate void PayloadHandler(ReadOnlySpan<byte> payload);

    private void Dump(ushort type, NftTable table, Action<NlWriter>? attrs, PayloadHandler onMessage, string what)
    {
        DrainStale();
        _w.Reset();
        uint seq = ++_seq;
        int start = _w.BeginMessage(MsgType(type), (ushort)(F_REQUEST | F_DUMP), seq, (byte)table.Family);
        attrs?.Invoke(_w);
        _w.EndMessage(start);
        int errno = NftNative.Send(_sock, _w.Written);
        if (errno != 0) throw NftablesException.Kernel(what, _netns, errno);
        while (true)
        {
            int n = NftNative.Receive(_sock, _rx, dontWait: false);
            if (n < 0) throw NftablesException.Kernel(what, _netns, -n);
            var r = new NlMessageReader(_rx.AsSpan(0, n));
            while (r.MoveNext())
            {
                if (r.Seq != seq) continue;
                if (r.Type == NLMSG_DONE) return;
                if (r.Type == NLMSG_ERROR)
                {
                    int err = -BinaryPrimitives.ReadInt32LittleEndian(r.Payload);
                    if (err == 0) return;
                    throw NftablesException.Kernel(what, _netns, err);
                }
                if (r.Payload.Length >= NfGenLength) onMessage(r.Payload);
            }
        }
    }
}
