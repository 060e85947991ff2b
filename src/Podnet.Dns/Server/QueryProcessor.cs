using System.Buffers.Binary;
using System.Net;
using Podnet.Dns.Metrics;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Server;

public enum Outcome { Respond, Drop, Forward }

/// <summary>
/// Answers one query from the current zone index, synchronously and without allocating: a
/// precomputed response is copied and patched (ID, RD/CD, the question as the client spelled it,
/// EDNS). Names outside the zone come back as <see cref="Outcome.Forward"/>.
/// </summary>
public sealed class QueryProcessor(ZoneHolder zone, DnsMetrics metrics, bool canForward)
{
    public ZoneHolder Zone => zone;
    public DnsMetrics Metrics => metrics;

    public Outcome Process(ReadOnlySpan<byte> query, Span<byte> response, bool udp, out int length, out DnsQuery q)
    {
        length = 0;
        Span<byte> name = stackalloc byte[DnsLimits.MaxName];
        var parsed = DnsQuery.Parse(query, name, out q);
        switch (parsed)
        {
            case ParseResult.Drop:
                metrics.Dropped();
                return Outcome.Drop;
            case ParseResult.FormErr:
                length = Error(query, response, q, RCode.FormErr);
                return Outcome.Respond;
            case ParseResult.NotImp:
                length = Error(query, response, q, RCode.NotImp);
                return Outcome.Respond;
            case ParseResult.BadVers:
                length = Error(query, response, q, RCode.BadVers);
                return Outcome.Respond;
        }
        metrics.QueryType(q.QType);
        var lower = name[..q.QNameLength];
        var index = zone.Current;
        int max = udp ? q.MaxUdpResponse : DnsLimits.MaxMessage;

        var entry = index.Find(lower);
        if (entry is null)
        {
            if (!index.InZone(lower))
            {
                if (canForward) return Outcome.Forward;
                // Without upstreams: reverse names we do not hold are NXDOMAIN; the rest is refused.
                length = Error(query, response, q, IsReverse(lower) ? RCode.NxDomain : RCode.Refused);
                return Outcome.Respond;
            }
            if (!index.Synced) { length = Error(query, response, q, RCode.ServFail); return Outcome.Respond; }
            if (index.Options.Pods == PodsMode.Insecure && TryPodAnswer(query, response, q, lower, index, max, out length))
                return Outcome.Respond;
            length = Negative(query, response, q, index, RCode.NxDomain, max);
            return Outcome.Respond;
        }
        if (!index.Synced) { length = Error(query, response, q, RCode.ServFail); return Outcome.Respond; }

        var blob = entry.For(q.QType);
        length = blob is null ? Negative(query, response, q, index, RCode.NoError, max) : FromBlob(query, response, q, blob, max);
        return Outcome.Respond;
    }

    private static bool IsReverse(ReadOnlySpan<byte> name) =>
        DnsName.IsInZone(name, "\u0007in-addr\u0004arpa\0"u8) || DnsName.IsInZone(name, "\u0003ip6\u0004arpa\0"u8);

    /// <summary>Copies a precomputed answer and patches it for this query.</summary>
    private static int FromBlob(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q, byte[] blob, int max)
    {
        int extra = q.HasEdns ? 11 : 0;
        if (blob.Length + extra > max) return Truncated(query, resp, q);
        blob.CopyTo(resp);
        DnsHeader.SetId(resp, q.Id);
        DnsHeader.SetFlags(resp, DnsHeader.ResponseFlags(q.Flags, true, RCode.NoError));
        query[DnsLimits.HeaderSize..q.QuestionEnd].CopyTo(resp[DnsLimits.HeaderSize..]); // same length: same name, other case
        int len = blob.Length;
        if (q.HasEdns) len = AppendOpt(resp, len, q, 0);
        return len;
    }

    /// <summary>NXDOMAIN or NODATA: the question and the zone's SOA in the authority section (RFC 2308).</summary>
    private static int Negative(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q, ZoneIndex index, int rcode, int max)
    {
        int len = CopyQuestion(query, resp, q, DnsHeader.ResponseFlags(q.Flags, true, rcode));
        var soa = index.SoaRecord;
        if (len + soa.Length + (q.HasEdns ? 11 : 0) > max) return Truncated(query, resp, q);
        soa.CopyTo(resp[len..]);
        len += soa.Length;
        DnsHeader.SetCounts(resp, 1, 0, 1, 0);
        if (q.HasEdns) len = AppendOpt(resp, len, q, 0);
        return len;
    }

    private static int Truncated(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q)
    {
        int len = CopyQuestion(query, resp, q, (ushort)(DnsHeader.ResponseFlags(q.Flags, true, RCode.NoError) | DnsHeader.FlagTc));
        if (q.HasEdns) len = AppendOpt(resp, len, q, 0);
        return len;
    }

    /// <summary>An answer with no records: the header, the question when it parsed, and OPT for EDNS clients.</summary>
    public static int Error(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q, int rcode)
    {
        ushort flags = DnsHeader.ResponseFlags(q.Flags, false, rcode & 0xF);
        int len;
        if (q.QuestionEnd > 0) len = CopyQuestion(query, resp, q, flags);
        else
        {
            query[..4].CopyTo(resp);
            DnsHeader.SetFlags(resp, flags);
            DnsHeader.SetCounts(resp, 0, 0, 0, 0);
            len = DnsLimits.HeaderSize;
        }
        if (q.HasEdns) len = AppendOpt(resp, len, q, (byte)(rcode >> 4));
        return len;
    }

    private static int CopyQuestion(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q, ushort flags)
    {
        query[..q.QuestionEnd].CopyTo(resp);
        DnsHeader.SetFlags(resp, flags);
        DnsHeader.SetCounts(resp, 1, 0, 0, 0);
        return q.QuestionEnd;
    }

    private static int AppendOpt(Span<byte> resp, int len, in DnsQuery q, byte extRcode)
    {
        var w = resp[len..];
        w[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(w[1..], RecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(w[3..], DnsLimits.MaxUdpPayload);
        w[5] = extRcode;
        w[6] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(w[7..], q.DnssecOk ? (ushort)0x8000 : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(w[9..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(resp[10..], (ushort)(DnsHeader.ArCount(resp) + 1));
        return len + 11;
    }

    /// <summary>
    /// <c>pods insecure</c>: <c>a-b-c-d.&lt;ns&gt;.pod.&lt;zone&gt;</c> answers with the address spelled in the
    /// name, without checking that such a pod exists (CoreDNS's documented behaviour).
    /// </summary>
    private static bool TryPodAnswer(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q, ReadOnlySpan<byte> lower, ZoneIndex index, int max, out int length)
    {
        length = 0;
        var pod = index.PodZone;
        int first = lower[0] + 1;
        if (first >= lower.Length) return false;
        int second = first + 1 + lower[first];
        if (second > lower.Length || !lower[second..].SequenceEqual(pod)) return false;
        if (!TryParseDashed(lower.Slice(1, lower[0]), out var ip, out bool v6)) return false;
        ushort type = v6 ? RecordType.AAAA : RecordType.A;
        if (q.QType != type && q.QType != RecordType.ANY)
        {
            length = Negative(query, resp, q, index, RCode.NoError, max);
            return true;
        }
        int len = CopyQuestion(query, resp, q, DnsHeader.ResponseFlags(q.Flags, true, RCode.NoError));
        var w = resp[len..];
        BinaryPrimitives.WriteUInt16BigEndian(w, 0xC00C);
        BinaryPrimitives.WriteUInt16BigEndian(w[2..], type);
        BinaryPrimitives.WriteUInt16BigEndian(w[4..], RecordClass.IN);
        BinaryPrimitives.WriteUInt32BigEndian(w[6..], index.Options.Ttl);
        int n = v6 ? 16 : 4;
        BinaryPrimitives.WriteUInt16BigEndian(w[10..], (ushort)n);
        ip.TryWriteBytes(w[12..], out _);
        len += 12 + n;
        DnsHeader.SetCounts(resp, 1, 1, 0, 0);
        if (q.HasEdns) len = AppendOpt(resp, len, q, 0);
        length = len;
        return true;
    }

    private static bool TryParseDashed(ReadOnlySpan<byte> label, out IPAddress ip, out bool v6)
    {
        ip = IPAddress.None;
        v6 = false;
        Span<char> text = stackalloc char[64];
        bool v4Shape = true;
        int dashes = 0;
        for (int i = 0; i < label.Length; i++)
        {
            byte c = label[i];
            if (c == '-') { text[i] = v4Shape ? '.' : ':'; dashes++; }
            else if (char.IsAsciiHexDigit((char)c)) { text[i] = (char)c; if (!char.IsAsciiDigit((char)c)) v4Shape = false; }
            else return false;
        }
        if (v4Shape && dashes == 3)
            return IPAddress.TryParse(text[..label.Length], out ip!) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        for (int i = 0; i < label.Length; i++) if (text[i] == '.') text[i] = ':';
        v6 = true;
        return IPAddress.TryParse(text[..label.Length], out ip!) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    }
}
