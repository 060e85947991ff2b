using System.Buffers.Binary;

namespace Podnet.Dns.Wire;

/// <summary>The fixed 12-byte message header (RFC 1035 4.1.1), read and patched in place.</summary>
public static class DnsHeader
{
    public const ushort FlagQr = 0x8000, FlagAa = 0x0400, FlagTc = 0x0200, FlagRd = 0x0100,
        FlagRa = 0x0080, FlagAd = 0x0020, FlagCd = 0x0010;

    public static ushort Id(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m);
    public static ushort Flags(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m[2..]);
    public static int Opcode(ushort flags) => (flags >> 11) & 0xF;
    public static int Rcode(ushort flags) => flags & 0xF;
    public static ushort QdCount(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m[4..]);
    public static ushort AnCount(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m[6..]);
    public static ushort NsCount(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m[8..]);
    public static ushort ArCount(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m[10..]);

    public static void SetId(Span<byte> m, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(m, id);
    public static void SetFlags(Span<byte> m, ushort f) => BinaryPrimitives.WriteUInt16BigEndian(m[2..], f);

    public static void SetCounts(Span<byte> m, int qd, int an, int ns, int ar)
    {
        BinaryPrimitives.WriteUInt16BigEndian(m[4..], (ushort)qd);
        BinaryPrimitives.WriteUInt16BigEndian(m[6..], (ushort)an);
        BinaryPrimitives.WriteUInt16BigEndian(m[8..], (ushort)ns);
        BinaryPrimitives.WriteUInt16BigEndian(m[10..], (ushort)ar);
    }

    /// <summary>Response flags: QR set, opcode echoed, RD and CD copied from the query.</summary>
    public static ushort ResponseFlags(ushort queryFlags, bool authoritative, int rcode)
    {
        var f = (ushort)(FlagQr | FlagRa | (queryFlags & (0x7800 | FlagRd | FlagCd)) | (rcode & 0xF));
        if (authoritative) f |= FlagAa;
        return f;
    }
}
