using System.Buffers.Binary;

namespace Podnet.Linux.Datapath;

/// <summary>
/// The virtio-net header (struct virtio_net_hdr, 10 bytes, little-endian on the hosts we run on) that
/// a TUN device with IFF_VNET_HDR puts before every packet: whether the transport checksum is still
/// to be completed (csum_start/csum_offset), and whether the packet is a GSO super-packet to be cut
/// into gso_size segments.
/// </summary>
public static class VnetHdr
{
    public const int Size = 10;
    public const byte FlagNeedsCsum = 1;
    public const byte GsoNone = 0, GsoTcp4 = 1, GsoUdp = 3, GsoTcp6 = 4, GsoUdpL4 = 5, GsoEcn = 0x80;

    public static byte Flags(ReadOnlySpan<byte> hdr) => hdr[0];
    public static byte GsoType(ReadOnlySpan<byte> hdr) => (byte)(hdr[1] & ~GsoEcn);
    public static bool IsGso(ReadOnlySpan<byte> hdr) => GsoType(hdr) != GsoNone;
    public static ushort GsoSize(ReadOnlySpan<byte> hdr) => BinaryPrimitives.ReadUInt16LittleEndian(hdr[4..]);
    public static ushort CsumStart(ReadOnlySpan<byte> hdr) => BinaryPrimitives.ReadUInt16LittleEndian(hdr[6..]);
    public static ushort CsumOffset(ReadOnlySpan<byte> hdr) => BinaryPrimitives.ReadUInt16LittleEndian(hdr[8..]);

    /// <summary>Writes the header of a plain packet (nothing to complete, no segmentation).</summary>
    public static void WritePlain(Span<byte> hdr) => hdr[..Size].Clear();

    /// <summary>Writes a header (for tests and for callers that build packets).</summary>
    public static void Write(Span<byte> hdr, byte flags, byte gsoType, ushort hdrLen, ushort gsoSize, ushort csumStart, ushort csumOffset)
    {
        hdr[0] = flags;
        hdr[1] = gsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(hdr[2..], hdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(hdr[4..], gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(hdr[6..], csumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(hdr[8..], csumOffset);
    }

    /// <summary>
    /// Completes a checksum the kernel left partial (NEEDS_CSUM): the field at csum_start+csum_offset
    /// holds the pseudo-header sum; the ones'-complement sum from csum_start to the end, inverted, goes
    /// there. Returns false when the offsets do not fit the packet. Nothing to do without NEEDS_CSUM.
    /// </summary>
    public static bool FinishChecksum(ReadOnlySpan<byte> hdr, Span<byte> packet)
    {
        if ((hdr[0] & FlagNeedsCsum) == 0) return true;
        int start = CsumStart(hdr), field = start + CsumOffset(hdr);
        if (field + 2 > packet.Length) return false;
        ushort sum = (ushort)~OnesComplementSum(packet[start..]);
        // 0 and 0xffff are the same in ones' complement; UDP reserves 0 for "no checksum".
        BinaryPrimitives.WriteUInt16BigEndian(packet[field..], sum == 0 ? (ushort)0xffff : sum);
        return true;
    }

    /// <summary>The folded 16-bit ones'-complement sum of <paramref name="data"/> in network byte order.</summary>
    public static ushort OnesComplementSum(ReadOnlySpan<byte> data)
    {
        // Sum little-endian 64-bit words with end-around carry; folding and one byte swap at the end
        // give the big-endian 16-bit sum (the ones'-complement sum is byte-order independent).
        ulong acc = 0;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            acc += v;
            if (acc < v) acc++;
        }
        ulong tail = 0;
        for (int k = 0; i + k < data.Length; k++) tail |= (ulong)data[i + k] << (8 * k);
        acc += tail;
        if (acc < tail) acc++;
        acc = (acc & 0xffffffff) + (acc >> 32);
        acc = (acc & 0xffffffff) + (acc >> 32);
        acc = (acc & 0xffff) + (acc >> 16);
        acc = (acc & 0xffff) + (acc >> 16);
        acc = (acc & 0xffff) + (acc >> 16);
        return BinaryPrimitives.ReverseEndianness((ushort)acc);
    }
}
