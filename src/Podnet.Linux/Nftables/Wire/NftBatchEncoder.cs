using Podnet.Linux.Nftables.Wire;
using static Podnet.Linux.Nftables.Wire.NlConst;

namespace Podnet.Linux.Nftables.Wire;

/// <summary>
/// Encodes a transaction as one nfnetlink batch: BATCH_BEGIN, one message per change (element lists
/// split to fit a 64 KiB attribute), BATCH_END. Records what each sequence number did, so that
/// kernel errors can name the object.
/// </summary>
internal sealed class NftBatchEncoder
{
    private const int ElementChunkBytes = 48 * 1024;
    private readonly NlWriter _w;
    private readonly Dictionary<uint, string> _what = [];
    private uint _seq;
    private uint _setId;
    private int _lastStart = -1;

    public NftBatchEncoder(NlWriter w, uint firstSeq) { _w = w; _seq = firstSeq; }

    public IReadOnlyDictionary<uint, string> Descriptions => _what;
    public uint FirstSeq { get; private set; }
    public uint LastSeq { get; private set; }
    public int Messages { get; private set; }

    public void Encode(NftTransaction tx)
    {
        _w.Reset();
        FirstSeq = _seq;
        Begin(BATCH_BEGIN, 0, 0, "begin transaction", NFNL_SUBSYS_NFTABLES);
        _w.EndMessage(_lastStart);
        foreach (var c in tx.Commands) EncodeCommand(c);
        // Ask for an acknowledgement only of the last change: errors are always reported, and that
        // one ack tells us the batch was processed without queueing one reply per change.
        if (Messages > 0) _w.OrFlags(_lastNftStart, F_ACK);
        LastSeq = _seq - 1;
        Begin(BATCH_END, 0, 0, "commit transaction", NFNL_SUBSYS_NFTABLES);
        _w.EndMessage(_lastStart);
    }

    private uint Begin(ushort type, ushort flags, byte family, string what, ushort resId = 0)
    {
        uint seq = _seq++;
        _lastStart = _w.BeginMessage(type, (ushort)(F_REQUEST | flags), seq, family, resId);
        _what[seq] = what;
        if (type != BATCH_BEGIN && type != BATCH_END) { Messages++; _lastNftStart = _lastStart; }
        return seq;
    }

    private int _lastNftStart = -1;

    private void Msg(ushort nftType, ushort flags, NftTable t, string what)
        => Begin(MsgType(nftType), flags, (byte)t.Family, what);

    private void End() => _w.EndMessage(_lastStart);

    private void EncodeCommand(NftCommand c)
    {
        switch (c)
        {
            case NftAddTable a:
                Msg(NEWTABLE, F_CREATE, a.Table, $"add {a.Table}");
                _w.PutString(TABLE_NAME, a.Table.Name);
                _w.PutU32(TABLE_FLAGS, 0);
                if (a.Table.Comment is { } tc) _w.Put(TABLE_USERDATA, NlWriter.CommentUserData(tc, UDATA_COMMENT));
                End();
                break;
            case NftDeleteTable d:
                Msg(d.IfExists ? DESTROYTABLE : DELTABLE, 0, d.Table, $"delete {d.Table}");
                _w.PutString(TABLE_NAME, d.Table.Name);
                End();
                break;
            case NftAddChain a:
                EncodeChain(a.Chain);
                break;
            case NftFlushChain f:
                Msg(DELRULE, 0, f.Table, $"flush chain \"{f.Chain}\" of {f.Table}");
                _w.PutString(RULE_TABLE, f.Table.Name);
                _w.PutString(RULE_CHAIN, f.Chain);
                End();
                break;
            case NftDeleteChain d:
                Msg(d.IfExists ? DESTROYCHAIN : DELCHAIN, 0, d.Table, $"delete chain \"{d.Chain}\" of {d.Table}");
                _w.PutString(CHAIN_TABLE, d.Table.Name);
                _w.PutString(CHAIN_NAME, d.Chain);
                End();
                break;
            case NftAddRule a:
                EncodeRule(a.Rule);
                break;
            case NftDeleteRule d:
                Msg(d.IfExists ? DESTROYRULE : DELRULE, 0, d.Table, $"delete rule handle {d.Handle} from chain \"{d.Chain}\" of {d.Table}");
                _w.PutString(RULE_TABLE, d.Table.Name);
                _w.PutString(RULE_CHAIN, d.Chain);
                _w.PutU64(RULE_HANDLE, d.Handle);
                End();
                break;
            case NftAddSet a:
                EncodeSet(a.Set);
                break;
            case NftFlushSet f:
                Msg(DELSETELEM, 0, f.Table, $"flush set \"{f.Set}\" of {f.Table}");
                _w.PutString(ELEM_LIST_TABLE, f.Table.Name);
                _w.PutString(ELEM_LIST_SET, f.Set);
                End();
                break;
            case NftDeleteSet d:
                Msg(d.IfExists ? DESTROYSET : DELSET, 0, d.Table, $"delete set \"{d.Set}\" of {d.Table}");
                _w.PutString(SET_TABLE, d.Table.Name);
                _w.PutString(SET_NAME, d.Set);
                End();
                break;
            case NftAddElements a:
                EncodeElements(NEWSETELEM, F_CREATE, a.Table, a.Set, a.Elements, "add", "to");
                break;
            case NftDeleteElements d:
                EncodeElements(d.IfExists ? DESTROYSETELEM : DELSETELEM, 0, d.Table, d.Set, d.Elements, "delete", "from");
                break;
            default:
                throw new NftablesException($"unknown nftables command {c.GetType().Name}");
        }
    }

    private void EncodeChain(NftChain c)
    {
        Msg(NEWCHAIN, F_CREATE, c.Table, $"add chain \"{c.Name}\" to {c.Table}");
        _w.PutString(CHAIN_TABLE, c.Table.Name);
        _w.PutString(CHAIN_NAME, c.Name);
        if (c.Base is { } b)
        {
            int h = _w.BeginNested(CHAIN_HOOK);
            _w.PutU32(HOOK_HOOKNUM, (uint)b.Hook);
            _w.PutU32(HOOK_PRIORITY, unchecked((uint)b.Priority));
            _w.EndNested(h);
            _w.PutU32(CHAIN_POLICY, b.PolicyDrop ? 0u : 1u);
            _w.PutString(CHAIN_TYPE, b.TypeName);
        }
        if (c.Comment is { } cc) _w.Put(CHAIN_USERDATA, NlWriter.CommentUserData(cc, UDATA_COMMENT));
        End();
    }

    private void EncodeRule(NftRule r)
    {
        // Anonymous maps first: the rule refers to them by their transaction-local id.
        Dictionary<NftInlineVmap, uint>? ids = null;
        foreach (var e in r.Expressions)
        {
            if (e is not NftInlineVmap m) continue;
            ids ??= new(ReferenceEqualityComparer.Instance);
            ids[m] = EncodeAnonymousMap(r, m);
        }
        Msg(NEWRULE, F_CREATE | F_APPEND, r.Table, $"add rule to chain \"{r.Chain}\" of {r.Table}");
        _w.PutString(RULE_TABLE, r.Table.Name);
        _w.PutString(RULE_CHAIN, r.Chain);
        int list = _w.BeginNested(RULE_EXPRESSIONS);
        foreach (var e in r.Expressions)
        {
            if (e is NftInlineVmap m) m.Encode(_w, ids![m]);
            else e.Encode(_w);
        }
        _w.EndNested(list);
        if (r.Comment is { } rc) _w.Put(RULE_USERDATA, NlWriter.CommentUserData(rc, UDATA_COMMENT));
        End();
    }

    private uint EncodeAnonymousMap(NftRule r, NftInlineVmap m)
    {
        uint id = ++_setId;
        const uint anonymous = 0x1;
        Msg(NEWSET, F_CREATE, r.Table, $"add anonymous map for rule in chain \"{r.Chain}\" of {r.Table}");
        _w.PutString(SET_TABLE, r.Table.Name);
        _w.PutString(SET_NAME, "__map%d");
        _w.PutU32(SET_FLAGS, anonymous | SET_F_CONSTANT | SET_F_MAP);
        _w.PutU32(SET_KEY_TYPE, m.Key.Id);
        _w.PutU32(SET_KEY_LEN, (uint)m.Key.Length);
        _w.PutU32(SET_DATA_TYPE, NFT_DATA_VERDICT);
        _w.PutU32(SET_ID, id);
        // libnftnl user data "key byte order: host", so nft prints numgen keys as 0, 1, 2, ...
        _w.Put(SET_USERDATA, [0, 4, 1, 0, 0, 0]);
        End();
        if (m.Elements.Count == 0) return id;
        Msg(NEWSETELEM, F_CREATE, r.Table, $"add elements of anonymous map for rule in chain \"{r.Chain}\" of {r.Table}");
        _w.PutString(ELEM_LIST_SET, "__map%d");
        _w.PutU32(ELEM_LIST_SET_ID, id);
        _w.PutString(ELEM_LIST_TABLE, r.Table.Name);
        int list = _w.BeginNested(ELEM_LIST_ELEMENTS);
        foreach (var e in m.Elements) EncodeElement(e, withData: true);
        _w.EndNested(list);
        End();
        return id;
    }

    private void EncodeSet(NftSet s)
    {
        if (s.Key.Count == 0) throw new NftablesException($"{s} has no key fields");
        Msg(NEWSET, F_CREATE, s.Table, $"add {s.Kind} \"{s.Name}\" to {s.Table}");
        _w.PutString(SET_TABLE, s.Table.Name);
        _w.PutString(SET_NAME, s.Name);
        uint flags = (uint)s.Flags;
        if (s.IsMap) flags |= SET_F_MAP;
        if (s.Timeout is not null) flags |= SET_F_TIMEOUT;
        if (s.Key.Count > 1) flags |= SET_F_CONCAT;
        _w.PutU32(SET_FLAGS, flags);
        _w.PutU32(SET_KEY_TYPE, s.Key.Count == 1 ? s.Key[0].Id : NftDataType.ConcatId(s.Key));
        _w.PutU32(SET_KEY_LEN, (uint)s.KeyLength);
        if (s.Data is { } d)
        {
            bool verdict = d == NftDataType.Verdict;
            _w.PutU32(SET_DATA_TYPE, verdict ? NFT_DATA_VERDICT : d.Id);
            if (!verdict) _w.PutU32(SET_DATA_LEN, (uint)d.Length);
        }
        if (s.Timeout is { } t) _w.PutU64(SET_TIMEOUT, (ulong)t.TotalMilliseconds);
        _w.PutU32(SET_ID, ++_setId);
        if (s.Key.Count > 1)
        {
            int desc = _w.BeginNested(SET_DESC);
            int concat = _w.BeginNested(SET_DESC_CONCAT);
            foreach (var f in s.Key)
            {
                int el = _w.BeginNested(LIST_ELEM);
                _w.PutU32(SET_FIELD_LEN, (uint)f.Length);
                _w.EndNested(el);
            }
            _w.EndNested(concat);
            _w.EndNested(desc);
        }
        if (s.Comment is { } sc) _w.Put(SET_USERDATA, NlWriter.CommentUserData(sc, UDATA_SET_COMMENT));
        End();
    }

    private void EncodeElements(ushort type, ushort flags, NftTable t, string set, IReadOnlyList<NftElement> elements, string verb, string prep)
    {
        int i = 0;
        while (i < elements.Count)
        {
            int from = i;
            uint seq = _seq;
            Msg(type, flags, t, "");
            _w.PutString(ELEM_LIST_TABLE, t.Name);
            _w.PutString(ELEM_LIST_SET, set);
            int list = _w.BeginNested(ELEM_LIST_ELEMENTS);
            int start = _w.Length;
            while (i < elements.Count && _w.Length - start < ElementChunkBytes) EncodeElement(elements[i++], verb == "add");
            _w.EndNested(list);
            End();
            int n = i - from;
            _what[seq] = n == 1
                ? $"{verb} {elements[from]} {prep} set \"{set}\" of {t}"
                : $"{verb} {n} elements ({elements[from]} …) {prep} set \"{set}\" of {t}";
        }
    }

    private void EncodeElement(NftElement e, bool withData)
    {
        int el = _w.BeginNested(LIST_ELEM);
        NftExpr.PutValue(_w, ELEM_KEY, e.Key);
        if (e.KeyEnd is { } end) NftExpr.PutValue(_w, ELEM_KEY_END, end);
        if (e.IntervalEnd) _w.PutU32(ELEM_FLAGS, ELEM_F_INTERVAL_END);
        if (withData)
        {
            if (e.Verdict is { } v) NftExpr.PutVerdict(_w, ELEM_DATA, v);
            else if (e.Data is { } d) NftExpr.PutValue(_w, ELEM_DATA, d);
            if (e.Timeout is { } to) _w.PutU64(ELEM_TIMEOUT, (ulong)to.TotalMilliseconds);
            if (e.Comment is { } c) _w.Put(ELEM_USERDATA, NlWriter.CommentUserData(c, UDATA_COMMENT));
        }
        _w.EndNested(el);
    }
}
