using System.Buffers.Binary;
using Podnet.Linux.Datapath;

namespace Podnet.Linux.Tests;

/// <summary>The udp backend's packet codecs: checksums, super-packet splitting and segment framing.</summary>
public class DatapathCodecTests
{
    private static ushort NaiveSum(ReadOnlySpan<byte> d)
    {
        uint s = 0;
        for (int i = 0; i + 1 < d.Length; i += 2) s += BinaryPrimitives.ReadUInt16BigEndian(d[i..]);
        if ((d.Length & 1) != 0) s += (uint)d[^1] << 8;
        while (s >> 16 != 0) s = (s & 0xffff) + (s >> 16);
        return (ushort)s;
    }

    [Fact]
    public void Ones_complement_sum_matches_the_textbook_one_for_every_length_and_alignment()
    {
        var rnd = new Random(7);
        var buf = new byte[200];
        rnd.NextBytes(buf);
        buf.AsSpan(40, 40).Fill(0xff); // long carry chains
        for (int start = 0; start < 9; start++)
        for (int len = 0; len < 150; len++)
            Assert.Equal(NaiveSum(buf.AsSpan(start, len)), VnetHdr.OnesComplementSum(buf.AsSpan(start, len)));
    }

    /// <summary>An IPv4/TCP super-packet as a TUN with TSO hands it out: partial checksum holding the pseudo-header sum.</summary>
    private static byte[] SuperPacket(int payload, ushort mss, byte tcpFlags, out byte[] data)
    {
        data = new byte[payload];
        new Random(payload).NextBytes(data);
        var b = new byte[VnetHdr.Size + 20 + 20 + payload];
        VnetHdr.Write(b, VnetHdr.FlagNeedsCsum, VnetHdr.GsoTcp4, 40, mss, 20, 16);
        var p = b.AsSpan(VnetHdr.Size);
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], 100);
        p[6] = 0x40; p[8] = 64; p[9] = 6;
        new byte[] { 10, 244, 1, 10 }.CopyTo(p[12..]);
        new byte[] { 10, 244, 2, 10 }.CopyTo(p[16..]);
        var t = p[20..];
        BinaryPrimitives.WriteUInt16BigEndian(t, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], 1000);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], 77);
        t[12] = 5 << 4; t[13] = tcpFlags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 512);
        BinaryPrimitives.WriteUInt16BigEndian(t[16..], GsoSplit.PseudoHeaderSum(p[12..16], p[16..20], 6, 20 + payload));
        data.CopyTo(t[20..]);
        return b;
    }

    /// <summary>A packet is correct when its IP header sums to 0xffff and, after completing the partial
    /// checksum, so do pseudo-header + TCP segment.</summary>
    private static void AssertValid(Span<byte> whole)
    {
        var p = whole[VnetHdr.Size..];
        Assert.Equal(p.Length, BinaryPrimitives.ReadUInt16BigEndian(p[2..]));
        Assert.Equal(0xffff, NaiveSum(p[..20]));
        Assert.True(VnetHdr.FinishChecksum(whole, p));
        uint s = (uint)NaiveSum(p[20..]) + GsoSplit.PseudoHeaderSum(p[12..16], p[16..20], 6, p.Length - 20);
        while (s >> 16 != 0) s = (s & 0xffff) + (s >> 16);
        Assert.Equal(0xffffu, s);
    }

    [Fact]
    public void A_tcp_super_packet_splits_into_two_valid_ones_at_a_segment_boundary()
    {
        const byte Fin = 0x01, Psh = 0x08, Ack = 0x10, Cwr = 0x80;
        var whole = SuperPacket(4500, 1000, Fin | Psh | Ack | Cwr, out var data);
        var second = new byte[70000];
        Assert.True(GsoSplit.TrySplit(whole, second, out int a, out int b));
        Assert.Equal(VnetHdr.Size + 40 + 2000, a); // 5 segments: 2 + 3
        Assert.Equal(VnetHdr.Size + 40 + 2500, b);
        var p1 = whole.AsSpan(0, a);
        var p2 = second.AsSpan(0, b);
        Assert.Equal(whole.AsSpan(0, VnetHdr.Size).ToArray(), p2[..VnetHdr.Size].ToArray());
        Assert.Equal((ushort)100, BinaryPrimitives.ReadUInt16BigEndian(p1[(VnetHdr.Size + 4)..]));
        Assert.Equal((ushort)102, BinaryPrimitives.ReadUInt16BigEndian(p2[(VnetHdr.Size + 4)..]));
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32BigEndian(p1[(VnetHdr.Size + 24)..]));
        Assert.Equal(3000u, BinaryPrimitives.ReadUInt32BigEndian(p2[(VnetHdr.Size + 24)..]));
        Assert.Equal(Ack | Cwr, p1[VnetHdr.Size + 33]);
        Assert.Equal(Fin | Psh | Ack, p2[VnetHdr.Size + 33]);
        byte[] joined = [.. p1[(VnetHdr.Size + 40)..].ToArray(), .. p2[(VnetHdr.Size + 40)..].ToArray()];
        Assert.Equal(data, joined);
        AssertValid(p1);
        AssertValid(p2);
    }

    [Fact]
    public void Packets_that_cannot_be_split_are_left_alone()
    {
        var second = new byte[70000];
        var one = SuperPacket(900, 1000, 0x10, out _); // a single segment
        var copy = one.ToArray();
        Assert.False(GsoSplit.TrySplit(one, second, out _, out _));
        Assert.Equal(copy, one);
        var plain = SuperPacket(4500, 1000, 0x10, out _);
        plain[1] = VnetHdr.GsoNone;
        Assert.False(GsoSplit.TrySplit(plain, second, out _, out _));
        Assert.False(GsoSplit.TrySplit(SuperPacket(4500, 1000, 0x10, out _), new byte[100], out _, out _));
    }

    [Fact]
    public void Segments_put_back_together_give_the_message_and_gaps_drop_it()
    {
        const int Seg = 1472;
        var msg = new byte[5000];
        new Random(3).NextBytes(msg);
        msg[0] = 0x01; // starts like a virtio-net header
        var buf = new byte[8000];
        msg.CopyTo(buf, 0);
        int n = SegmentFraming.EncodeInPlace(buf, msg.Length, Seg, 9);
        Assert.Equal(SegmentFraming.EncodedLength(msg.Length, Seg), n);
        Assert.Equal(msg.Length + 4 * 4, n);
        var segs = Enumerable.Range(0, (n + Seg - 1) / Seg).Select(i => buf.AsSpan(i * Seg, Math.Min(Seg, n - i * Seg)).ToArray()).ToList();
        Assert.All(segs, s => Assert.True(SegmentFraming.IsSegment(s) && s[0] >> 4 != 4));

        var r = new SegmentReassembly();
        for (int i = 0; i < segs.Count - 1; i++) Assert.True(r.Add(segs[i]).IsEmpty);
        Assert.Equal(msg, r.Add(segs[^1]).ToArray());
        Assert.Equal(0, r.Dropped);

        // Lose segment 1: nothing comes out, the next message still does.
        Assert.True(r.Add(segs[0]).IsEmpty);
        Assert.True(r.Add(segs[2]).IsEmpty);
        Assert.True(r.Add(segs[3]).IsEmpty);
        Assert.Equal(1, r.Dropped);
        for (int i = 0; i < segs.Count - 1; i++) Assert.True(r.Add(segs[i]).IsEmpty);
        // A new message starting before this one ended drops it too.
        Assert.True(r.Add(segs[0]).IsEmpty);
        Assert.Equal(2, r.Dropped);
        for (int i = 1; i < segs.Count - 1; i++) r.Add(segs[i]);
        Assert.Equal(msg, r.Add(segs[^1]).ToArray());
    }
}
