using System.Buffers.Binary;

namespace Podnet.Dns.Wire;

public enum ParseResult { Ok, Drop, FormErr, NotImp, BadVers }

/// <summary>What the server needs from a parsed query; the name itself goes to a caller buffer.</summary>
public struct DnsQuery
{
    public ushort Id;
    public ushort Flags;
    public ushort QType;
    public ushort QClass;
    /// <summary>Length of the question name in wire form (it is never compressed in a valid query).</summary>
    public int QNameLength;
    /// <summary>Offset just past QTYPE/QCLASS; header plus question are <c>[0, QuestionEnd)</c>.</summary>
    public int QuestionEnd;
    public bool HasEdns;
    public bool DnssecOk;
    public ushort UdpPayload;

    /// <summary>Largest UDP response this client accepts: 512 without EDNS, else its size clamped to [512, 1232].</summary>
    public readonly int MaxUdpResponse =>
        !HasEdns ? DnsLimits.MinUdpPayload : Math.Clamp((int)UdpPayload, DnsLimits.MinUdpPayload, DnsLimits.MaxUdpPayload);

    public const int MaxQuerySize = 4096;

    /// <summary>
    /// Parses a query strictly. <paramref name="lowerName"/> (255 bytes) receives the lowercase QNAME.
    /// Drop means "do not answer" (too short to answer, or a response); the error results name the RCODE
    /// to answer with, and <see cref="QuestionEnd"/> is non-zero when the question may be echoed.
    /// </summary>
    public static ParseResult Parse(ReadOnlySpan<byte> msg, Span<byte> lowerName, out DnsQuery q)
    {
        q = default;
        if (msg.Length < DnsLimits.HeaderSize) return ParseResult.Drop;
        q.Id = DnsHeader.Id(msg);
        q.Flags = DnsHeader.Flags(msg);
        if ((q.Flags & DnsHeader.FlagQr) != 0) return ParseResult.Drop; // never answer responses: no reflection loops
        if (msg.Length > MaxQuerySize) return ParseResult.FormErr;
        if (DnsHeader.Opcode(q.Flags) != 0) return ParseResult.NotImp;
        if (DnsHeader.QdCount(msg) != 1) return ParseResult.FormErr;

        int pos = DnsLimits.HeaderSize;
        if (!DnsName.TryRead(msg, ref pos, lowerName, out q.QNameLength)) return ParseResult.FormErr;
        if (pos - DnsLimits.HeaderSize != q.QNameLength) return ParseResult.FormErr; // compressed question
        if (pos + 4 > msg.Length) return ParseResult.FormErr;
        q.QType = BinaryPrimitives.ReadUInt16BigEndian(msg[pos..]);
        q.QClass = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 2)..]);
        pos += 4;
        q.QuestionEnd = pos;

        int skip = DnsHeader.AnCount(msg) + DnsHeader.NsCount(msg);
        for (int i = 0; i < skip; i++)
            if (!SkipRecord(msg, ref pos)) return ParseResult.FormErr;
        int ar = DnsHeader.ArCount(msg);
        byte ednsVersion = 0;
        for (int i = 0; i < ar; i++)
        {
            if (pos < msg.Length && msg[pos] == 0 && pos + 3 <= msg.Length
                && BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 1)..]) == RecordType.OPT)
            {
                if (q.HasEdns || pos + 11 > msg.Length) return ParseResult.FormErr; // at most one OPT (RFC 6891 6.1.1)
                q.HasEdns = true;
                q.UdpPayload = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 3)..]);
                ednsVersion = msg[pos + 6];
                q.DnssecOk = (msg[pos + 7] & 0x80) != 0;
            }
            else
            {
                int probe = pos;
                if (!DnsName.TrySkip(msg, ref probe) || probe + 2 > msg.Length) return ParseResult.FormErr;
                if (BinaryPrimitives.ReadUInt16BigEndian(msg[probe..]) == RecordType.OPT) return ParseResult.FormErr; // OPT owner must be root
            }
            if (!SkipRecord(msg, ref pos)) return ParseResult.FormErr;
        }
        if (pos != msg.Length) return ParseResult.FormErr; // trailing garbage

        if (q.QType == RecordType.OPT) return ParseResult.FormErr;
        if (q.HasEdns && ednsVersion != 0) return ParseResult.BadVers;
        if (q.QClass != RecordClass.IN && q.QClass != RecordClass.ANY) return ParseResult.NotImp;
        if (q.QType is RecordType.AXFR or RecordType.IXFR or RecordType.MAILA or RecordType.MAILB) return ParseResult.NotImp;
        return ParseResult.Ok;
    }

    private static bool SkipRecord(ReadOnlySpan<byte> msg, ref int pos)
    {
        if (!DnsName.TrySkip(msg, ref pos)) return false;
        if (pos + 10 > msg.Length) return false;
        int rdlen = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 8)..]);
        pos += 10;
        if (pos + rdlen > msg.Length) return false;
        pos += rdlen;
        return true;
    }
}
