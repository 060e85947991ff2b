using System.Text;
using static Podnet.Linux.Nftables.Wire.NlConst;

namespace Podnet.Linux.Nftables.Wire;

/// <summary>Decodes nf_tables dump replies (payload after nlmsghdr, starting with nfgenmsg).</summary>
internal static class NftDecoder
{
    private static readonly NftDataType[] Known =
    [
        NftDataType.Mark, NftDataType.Ipv4Addr, NftDataType.Ipv6Addr, NftDataType.InetProto,
        NftDataType.InetService, NftDataType.IfName,
    ];

    private static NlAttrReader Attrs(ReadOnlySpan<byte> payload) => new(payload[NfGenLength..]);

    public static string? TableName(ReadOnlySpan<byte> payload)
    {
        foreach (var a in Attrs(payload)) if (a.Type == TABLE_NAME) return a.String;
        return null;
    }

    public static string? Comment(ReadOnlySpan<byte> udata, byte type)
    {
        while (udata.Length >= 2)
        {
            int len = udata[1];
            if (2 + len > udata.Length) break;
            if (udata[0] == type)
            {
                var v = udata.Slice(2, len);
                int z = v.IndexOf((byte)0);
                return Encoding.UTF8.GetString(z >= 0 ? v[..z] : v);
            }
            udata = udata[(2 + len)..];
        }
        return null;
    }

    public static NftChain Chain(NftTable table, ReadOnlySpan<byte> payload)
    {
        string name = "";
        string? comment = null, type = null;
        uint? hook = null, policy = null;
        int prio = 0;
        foreach (var a in Attrs(payload))
        {
            switch (a.Type)
            {
                case CHAIN_NAME: name = a.String; break;
                case CHAIN_TYPE: type = a.String; break;
                case CHAIN_POLICY: policy = a.U32; break;
                case CHAIN_USERDATA: comment = Comment(a.Value, UDATA_COMMENT); break;
                case CHAIN_HOOK:
                    foreach (var h in a.Nested)
                    {
                        if (h.Type == HOOK_HOOKNUM) hook = h.U32;
                        else if (h.Type == HOOK_PRIORITY) prio = unchecked((int)h.U32);
                    }
                    break;
            }
        }
        NftBaseChain? b = hook is { } hk
            ? new NftBaseChain(type switch { "nat" => NftChainType.Nat, "route" => NftChainType.Route, _ => NftChainType.Filter },
                (NftHook)hk, prio, policy == 0)
            : null;
        return new NftChain(table, name, b, comment);
    }

    public static NftRuleInfo Rule(ReadOnlySpan<byte> payload)
    {
        string chain = "";
        ulong handle = 0;
        string? comment = null;
        var names = new List<string>();
        foreach (var a in Attrs(payload))
        {
            switch (a.Type)
            {
                case RULE_CHAIN: chain = a.String; break;
                case RULE_HANDLE: handle = a.U64; break;
                case RULE_USERDATA: comment = Comment(a.Value, UDATA_COMMENT); break;
                case RULE_EXPRESSIONS:
                    foreach (var e in a.Nested)
                        foreach (var f in e.Nested)
                            if (f.Type == EXPR_NAME) names.Add(f.String);
                    break;
            }
        }
        return new NftRuleInfo(chain, handle, comment, names);
    }

    public static NftSet Set(NftTable table, ReadOnlySpan<byte> payload)
    {
        string name = "";
        uint flags = 0, keyType = 0, keyLen = 0, dataType = 0, dataLen = 0;
        bool hasData = false;
        TimeSpan? timeout = null;
        string? comment = null;
        var fieldLens = new List<int>();
        foreach (var a in Attrs(payload))
        {
            switch (a.Type)
            {
                case SET_NAME: name = a.String; break;
                case SET_FLAGS: flags = a.U32; break;
                case SET_KEY_TYPE: keyType = a.U32; break;
                case SET_KEY_LEN: keyLen = a.U32; break;
                case SET_DATA_TYPE: dataType = a.U32; hasData = true; break;
                case SET_DATA_LEN: dataLen = a.U32; break;
                case SET_TIMEOUT: timeout = TimeSpan.FromMilliseconds(a.U64); break;
                case SET_USERDATA: comment = Comment(a.Value, UDATA_SET_COMMENT); break;
                case SET_DESC:
                    foreach (var d in a.Nested)
                        if (d.Type == SET_DESC_CONCAT)
                            foreach (var el in d.Nested)
                                foreach (var f in el.Nested)
                                    if (f.Type == SET_FIELD_LEN) fieldLens.Add((int)f.U32);
                    break;
            }
        }
        var key = new List<NftDataType>();
        if (fieldLens.Count > 1)
        {
            for (int i = 0; i < fieldLens.Count; i++)
            {
                uint id = keyType >> (6 * (fieldLens.Count - 1 - i)) & 0x3f;
                key.Add(TypeOf(id, fieldLens[i]));
            }
        }
        else key.Add(TypeOf(keyType, (int)keyLen));
        NftDataType? data = !hasData ? null : dataType == NFT_DATA_VERDICT ? NftDataType.Verdict : TypeOf(dataType, (int)dataLen);
        var userFlags = (NftSetFlags)(flags & (SET_F_CONSTANT | SET_F_INTERVAL | SET_F_EVAL));
        if (timeout is null && (flags & SET_F_TIMEOUT) != 0) userFlags |= NftSetFlags.Timeout;
        return new NftSet(table, name, key, data, userFlags, timeout, comment);
    }

    private static NftDataType TypeOf(uint id, int len)
    {
        foreach (var k in Known) if (k.Id == id && k.Length == len) return k;
        return new NftDataType($"type {id}", id, len);
    }

    public static void Elements(ReadOnlySpan<byte> payload, List<NftElement> into)
    {
        foreach (var a in Attrs(payload))
        {
            if (a.Type != ELEM_LIST_ELEMENTS) continue;
            foreach (var el in a.Nested)
            {
                byte[] key = [];
                byte[]? data = null, keyEnd = null;
                NftVerdict? verdict = null;
                TimeSpan? timeout = null, expires = null;
                string? comment = null;
                bool end = false;
                foreach (var f in el.Nested)
                {
                    switch (f.Type)
                    {
                        case ELEM_KEY: key = DataValue(f.Nested); break;
                        case ELEM_KEY_END: keyEnd = DataValue(f.Nested); break;
                        case ELEM_FLAGS: end = (f.U32 & ELEM_F_INTERVAL_END) != 0; break;
                        case ELEM_TIMEOUT: timeout = TimeSpan.FromMilliseconds(f.U64); break;
                        case ELEM_EXPIRATION: expires = TimeSpan.FromMilliseconds(f.U64); break;
                        case ELEM_USERDATA: comment = Comment(f.Value, UDATA_COMMENT); break;
                        case ELEM_DATA:
                            foreach (var d in f.Nested)
                            {
                                if (d.Type == DATA_VALUE) data = d.Value.ToArray();
                                else if (d.Type == DATA_VERDICT) verdict = Verdict(d.Nested);
                            }
                            break;
                    }
                }
                into.Add(new NftElement(key, verdict, data, timeout, comment, end) { Expires = expires, KeyEnd = keyEnd });
            }
        }
    }

    private static byte[] DataValue(NlAttrReader r)
    {
        foreach (var d in r) if (d.Type == DATA_VALUE) return d.Value.ToArray();
        return [];
    }

    private static NftVerdict Verdict(NlAttrReader r)
    {
        int code = 0;
        string? chain = null;
        foreach (var v in r)
        {
            if (v.Type == VERDICT_CODE) code = unchecked((int)v.U32);
            else if (v.Type == VERDICT_CHAIN) chain = v.String;
        }
        return new NftVerdict((NftVerdictCode)code, chain);
    }
}
