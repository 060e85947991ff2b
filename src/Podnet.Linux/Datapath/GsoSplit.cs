using System.Buffers.Binary;

namespace Podnet.Linux.Datapath;

/// <summary>
/// Cuts an IPv4 TCP or UDP GSO super-packet (virtio-net header + packet, as a TUN with offloads hands
/// it out) into two super-packets at a segment boundary, each a valid GSO packet on its own: IP
/// length, ID and header checksum, TCP sequence number and flags (CWR only on the first part, FIN and
/// PSH only on the last, as the kernel's own segmentation does), UDP length, and the partial L4
/// checksum (the pseudo-header sum for the part's own length). Used when a super-packet plus its
/// header does not fit one UDP datagram.
/// </summary>
public static class GsoSplit
{
    private const byte ProtoTcp = 6, ProtoUdp = 17;
    private const byte TcpFin = 0x01, TcpPsh = 0x08, TcpCwr = 0x80;

    /// <summary>Splits <paramref name="whole"/> (header + packet): the second part goes to
    /// <paramref name="second"/>, the first stays in <paramref name="whole"/>, shortened. False (and
    /// nothing changed) when it is not a splittable IPv4 TCP/UDP super-packet of two or more segments
    /// with a partial checksum, or <paramref name="second"/> is too small.</summary>
    public static bool TrySplit(Span<byte> whole, Span<byte> second, out int firstLength, out int secondLength)
    {
        firstLength = secondLength = 0;
        if (whole.Length < VnetHdr.Size + 20) return false;
        var hdr = whole[..VnetHdr.Size];
        var pkt = whole[VnetHdr.Size..];
        byte gso = VnetHdr.GsoType(hdr);
        if ((VnetHdr.Flags(hdr) & VnetHdr.FlagNeedsCsum) == 0 || gso is not (VnetHdr.GsoTcp4 or VnetHdr.GsoUdpL4)) return false;
        if (pkt[0] >> 4 != 4) return false;
        int ihl = (pkt[0] & 0xf) * 4;
        byte proto = pkt[9];
        if (ihl < 20 || proto != (gso == VnetHdr.GsoTcp4 ? ProtoTcp : ProtoUdp) || BinaryPrimitives.ReadUInt16BigEndian(pkt[2..]) != pkt.Length) return false;
        if (pkt.Length < ihl + 8) return false;
        int l4 = proto == ProtoTcp ? (pkt.Length >= ihl + 20 ? (pkt[ihl + 12] >> 4) * 4 : 0) : 8;
        if (l4 < 8 || ihl + l4 > pkt.Length) return false;
        int hl = ihl + l4, payload = pkt.Length - hl, mss = VnetHdr.GsoSize(hdr);
        if (mss == 0) return false;
        int segs = (payload + mss - 1) / mss;
        if (segs < 2) return false;
        int p1 = segs / 2 * mss, p2 = payload - p1;
        secondLength = VnetHdr.Size + hl + p2;
        if (second.Length < secondLength) { secondLength = 0; return false; }

        whole[..(VnetHdr.Size + hl)].CopyTo(second);
        pkt.Slice(hl + p1, p2).CopyTo(second[(VnetHdr.Size + hl)..]);
        Fix(second.Slice(VnetHdr.Size, hl + p2), ihl, proto, idDelta: segs / 2, seqDelta: (uint)p1, first: false);
        Fix(pkt[..(hl + p1)], ihl, proto, idDelta: 0, seqDelta: 0, first: true);
        firstLength = VnetHdr.Size + hl + p1;
        return true;
    }

    private static void Fix(Span<byte> p, int ihl, byte proto, int idDelta, uint seqDelta, bool first)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(p[4..]) + idDelta));
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], (ushort)~VnetHdr.OnesComplementSum(p[..ihl]));
        var l4 = p[ihl..];
        int checkAt;
        if (proto == ProtoTcp)
        {
            BinaryPrimitives.WriteUInt32BigEndian(l4[4..], BinaryPrimitives.ReadUInt32BigEndian(l4[4..]) + seqDelta);
            l4[13] &= (byte)(first ? ~(TcpFin | TcpPsh) : ~TcpCwr);
            checkAt = 16;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
            checkAt = 6;
        }
        BinaryPrimitives.WriteUInt16BigEndian(l4[checkAt..], PseudoHeaderSum(p[12..16], p[16..20], proto, l4.Length));
    }

    /// <summary>The folded (not inverted) ones'-complement sum of the IPv4 pseudo-header: what a
    /// partial checksum field holds before the payload is added.</summary>
    public static ushort PseudoHeaderSum(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, byte proto, int l4Length)
    {
        uint s = (uint)BinaryPrimitives.ReadUInt16BigEndian(src) + BinaryPrimitives.ReadUInt16BigEndian(src[2..])
               + BinaryPrimitives.ReadUInt16BigEndian(dst) + BinaryPrimitives.ReadUInt16BigEndian(dst[2..])
               + proto + (uint)l4Length;
        while (s >> 16 != 0) s = (s & 0xffff) + (s >> 16);
        return (ushort)s;
    }
}
