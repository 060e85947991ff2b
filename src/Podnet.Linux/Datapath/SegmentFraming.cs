using System.Buffers.Binary;

namespace Podnet.Linux.Datapath;

/// <summary>
/// Carries a message bigger than one underlay packet (a TUN super-packet with its virtio-net header)
/// as UDP segments of exactly <c>segmentSize</c> bytes (the last may be shorter), so that one
/// UDP_SEGMENT (GSO) send emits them all and the receiver gets them back coalesced by UDP_GRO, or one
/// by one when something on the way segmented them. Each segment starts with a 4-byte header:
/// <c>0x20 | last</c>, the segment index, and a 16-bit message id. A plain IPv4 packet (first nibble
/// 4) needs no header and is never confused with a segment.
/// </summary>
public static class SegmentFraming
{
    public const int HeaderSize = 4;
    public const byte Marker = 0x20, LastFlag = 0x01;
    /// <summary>The kernel sends at most this many segments per GSO send (UDP_MAX_SEGMENTS).</summary>
    public const int MaxSegments = 64;

    public static bool IsSegment(ReadOnlySpan<byte> d) => d.Length > HeaderSize && (d[0] & 0xf0) == Marker;

    /// <summary>Encoded size of a <paramref name="length"/>-byte message.</summary>
    public static int EncodedLength(int length, int segmentSize)
    {
        int chunk = segmentSize - HeaderSize;
        return length + HeaderSize * ((length + chunk - 1) / chunk);
    }

    /// <summary>
    /// Rewrites the message in <paramref name="buf"/>[0, length) in place into segments (working
    /// back to front, so no byte is overwritten before it moved). <paramref name="buf"/> must hold
    /// <see cref="EncodedLength"/> bytes. Returns that length.
    /// </summary>
    public static int EncodeInPlace(Span<byte> buf, int length, int segmentSize, ushort messageId)
    {
        int chunk = segmentSize - HeaderSize;
        int segs = (length + chunk - 1) / chunk;
        if (segs > 255 || segs == 0) throw new ArgumentOutOfRangeException(nameof(length), $"{length} bytes need {segs} segments");
        int total = length + HeaderSize * segs;
        if (buf.Length < total) throw new ArgumentException($"buffer of {buf.Length} bytes cannot hold {total} encoded bytes", nameof(buf));
        for (int i = segs - 1; i >= 0; i--)
        {
            int from = i * chunk, n = Math.Min(chunk, length - from), to = i * segmentSize;
            buf.Slice(from, n).CopyTo(buf[(to + HeaderSize)..]); // overlapping-safe move
            buf[to] = (byte)(Marker | (i == segs - 1 ? LastFlag : 0));
            buf[to + 1] = (byte)i;
            BinaryPrimitives.WriteUInt16BigEndian(buf[(to + 2)..], messageId);
        }
        return total;
    }
}

/// <summary>
/// Puts one sender's segments back together: segments must arrive in order (one GSO send arrives
/// in order unless the network reorders); a gap or a new message drops the unfinished one (the
/// inner TCP retransmits, as after any loss). One per peer, buffer allocated once.
/// </summary>
public sealed class SegmentReassembly(int capacity = 65536)
{
    private readonly byte[] _buf = new byte[capacity];
    private int _length, _next = -1;
    private ushort _id;

    /// <summary>Messages dropped unfinished (gap, reordering, or too long).</summary>
    public long Dropped { get; private set; }

    /// <summary>Adds a segment; returns the complete message when this was its last segment, else empty.</summary>
    public ReadOnlySpan<byte> Add(ReadOnlySpan<byte> segment)
    {
        if (!SegmentFraming.IsSegment(segment)) return default;
        int index = segment[1];
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
        var data = segment[SegmentFraming.HeaderSize..];
        if (index == 0)
        {
            if (_next > 0) Dropped++;
            _id = id;
            _length = 0;
            _next = 0;
        }
        else if (_next != index || id != _id)
        {
            if (_next > 0) Dropped++;
            _next = -1;
            return default;
        }
        if (_length + data.Length > _buf.Length) { Dropped++; _next = -1; return default; }
        data.CopyTo(_buf.AsSpan(_length));
        _length += data.Length;
        _next++;
        if ((segment[0] & SegmentFraming.LastFlag) == 0) return default;
        _next = -1;
        return _buf.AsSpan(0, _length);
    }
}
