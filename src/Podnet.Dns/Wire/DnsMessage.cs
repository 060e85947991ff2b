using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Podnet.Dns.Wire;

/// <summary>One resource record, with its RDATA rendered in presentation form (as dig prints it).</summary>
public sealed record DnsRecord(string Name, ushort Type, ushort Class, uint Ttl, string Data)
{
    public override string ToString() => $"{Name} {Ttl} {RecordType.Name(Type)} {Data}";
}

/// <summary>A fully decoded message; used by the client, the tests and the forwarder's cache, never on the hot path.</summary>
public sealed record DnsMessage(
    ushort Id, ushort Flags, string QuestionName, ushort QuestionType, ushort QuestionClass,
    IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Authority, IReadOnlyList<DnsRecord> Additional,
    /// <summary>Offsets of every TTL field outside OPT, for the cache to age answers in place.</summary>
    IReadOnlyList<int> TtlOffsets, bool HasOpt, int ExtendedRcode)
{
    public int Rcode => (ExtendedRcode << 4) | DnsHeader.Rcode(Flags);
    public bool Truncated => (Flags & DnsHeader.FlagTc) != 0;
    public bool Authoritative => (Flags & DnsHeader.FlagAa) != 0;

    public static DnsMessage Parse(ReadOnlySpan<byte> m)
    {
        if (m.Length < DnsLimits.HeaderSize) throw new FormatException($"DNS message of {m.Length} bytes is shorter than its header");
        int pos = DnsLimits.HeaderSize;
        Span<byte> name = stackalloc byte[DnsLimits.MaxName];
        string qname = "";
        ushort qtype = 0, qclass = 0;
        int qd = DnsHeader.QdCount(m);
        for (int i = 0; i < qd; i++)
        {
            if (!DnsName.TryRead(m, ref pos, name, out int n, lower: false) || pos + 4 > m.Length)
                throw new FormatException("DNS message has a malformed question");
            if (i == 0)
            {
                qname = DnsName.ToText(name[..n]);
                qtype = BinaryPrimitives.ReadUInt16BigEndian(m[pos..]);
                qclass = BinaryPrimitives.ReadUInt16BigEndian(m[(pos + 2)..]);
            }
            pos += 4;
        }
        var ttls = new List<int>();
        bool hasOpt = false;
        int ext = 0;
        var an = ReadSection(m, ref pos, DnsHeader.AnCount(m), ttls, ref hasOpt, ref ext);
        var ns = ReadSection(m, ref pos, DnsHeader.NsCount(m), ttls, ref hasOpt, ref ext);
        var ar = ReadSection(m, ref pos, DnsHeader.ArCount(m), ttls, ref hasOpt, ref ext);
        return new DnsMessage(DnsHeader.Id(m), DnsHeader.Flags(m), qname, qtype, qclass, an, ns, ar, ttls, hasOpt, ext);
    }

    private static List<DnsRecord> ReadSection(ReadOnlySpan<byte> m, ref int pos, int count, List<int> ttls, ref bool hasOpt, ref int ext)
    {
        var list = new List<DnsRecord>(count);
        Span<byte> name = stackalloc byte[DnsLimits.MaxName];
        for (int i = 0; i < count; i++)
        {
            if (!DnsName.TryRead(m, ref pos, name, out int n, lower: false) || pos + 10 > m.Length)
                throw new FormatException($"DNS message has a malformed record {i} in a section");
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[pos..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(m[(pos + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(m[(pos + 4)..]);
            int rdlen = BinaryPrimitives.ReadUInt16BigEndian(m[(pos + 8)..]);
            if (pos + 10 + rdlen > m.Length) throw new FormatException("DNS message has a record running past its end");
            if (type == RecordType.OPT) { hasOpt = true; ext = (int)(ttl >> 24); }
            else ttls.Add(pos + 4);
            pos += 10;
            string data = RenderData(m, pos, rdlen, type);
            pos += rdlen;
            if (type != RecordType.OPT) list.Add(new DnsRecord(DnsName.ToText(name[..n]), type, cls, ttl, data));
        }
        return list;
    }

    private static string RenderData(ReadOnlySpan<byte> m, int pos, int len, ushort type)
    {
        var rd = m.Slice(pos, len);
        switch (type)
        {
            case RecordType.A when len == 4:
            case RecordType.AAAA when len == 16:
                return new IPAddress(rd).ToString();
            case RecordType.CNAME or RecordType.PTR or RecordType.NS:
                return NameAt(m, pos);
            case RecordType.SRV when len >= 7:
                return $"{BinaryPrimitives.ReadUInt16BigEndian(rd)} {BinaryPrimitives.ReadUInt16BigEndian(rd[2..])} {BinaryPrimitives.ReadUInt16BigEndian(rd[4..])} {NameAt(m, pos + 6)}";
            case RecordType.TXT:
            {
                var sb = new StringBuilder();
                for (int i = 0; i < rd.Length;)
                {
                    int l = rd[i];
                    if (i + 1 + l > rd.Length) throw new FormatException("TXT string runs past its record");
                    if (sb.Length > 0) sb.Append(' ');
                    sb.Append('"').Append(Encoding.ASCII.GetString(rd.Slice(i + 1, l))).Append('"');
                    i += 1 + l;
                }
                return sb.ToString();
            }
            case RecordType.SOA:
            {
                int p = pos;
                Span<byte> name = stackalloc byte[DnsLimits.MaxName];
                if (!DnsName.TryRead(m, ref p, name, out int n1, false)) throw new FormatException("bad SOA MNAME");
                var mname = DnsName.ToText(name[..n1]);
                if (!DnsName.TryRead(m, ref p, name, out int n2, false) || p + 20 > pos + len) throw new FormatException("bad SOA RNAME");
                var rname = DnsName.ToText(name[..n2]);
                var f = m[p..];
                return $"{mname} {rname} {BinaryPrimitives.ReadUInt32BigEndian(f)} {BinaryPrimitives.ReadUInt32BigEndian(f[4..])} {BinaryPrimitives.ReadUInt32BigEndian(f[8..])} {BinaryPrimitives.ReadUInt32BigEndian(f[12..])} {BinaryPrimitives.ReadUInt32BigEndian(f[16..])}";
            }
            default:
                return Convert.ToHexString(rd);
        }
    }

    private static string NameAt(ReadOnlySpan<byte> m, int pos)
    {
        Span<byte> name = stackalloc byte[DnsLimits.MaxName];
        if (!DnsName.TryRead(m, ref pos, name, out int n, lower: false)) throw new FormatException("malformed name in RDATA");
        return DnsName.ToText(name[..n]);
    }
}
