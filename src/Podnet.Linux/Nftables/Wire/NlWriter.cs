using System.Buffers.Binary;
using System.Text;

namespace Podnet.Linux.Nftables.Wire;

/// <summary>
/// Appends netlink messages and attributes to one growing buffer. nf_tables integers are
/// big-endian on the wire; nlmsghdr and nlattr headers are host-endian (little-endian here).
/// </summary>
internal sealed class NlWriter
{
    private byte[] _buf;
    private int _len;

    public NlWriter(int capacity = 4096) => _buf = new byte[capacity];

    public int Length => _len;
    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);
    public void Reset() => _len = 0;

    private Span<byte> Grow(int n)
    {
        if (_len + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        var s = _buf.AsSpan(_len, n);
        s.Clear();
        _len += n;
        return s;
    }

    private void Pad() { int p = Align(_len) - _len; if (p > 0) Grow(p); }

    public static int Align(int n) => (n + 3) & ~3;

    /// <summary>Starts a message with nlmsghdr + nfgenmsg; returns its offset for <see cref="EndMessage"/>.</summary>
    public int BeginMessage(ushort type, ushort flags, uint seq, byte family, ushort resId = 0)
    {
        int start = _len;
        var h = Grow(NlConst.HeaderLength + NlConst.NfGenLength);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        h[16] = family;
        h[17] = 0; // NFNETLINK_V0
        BinaryPrimitives.WriteUInt16BigEndian(h[18..], resId);
        return start;
    }

    public void EndMessage(int start)
    {
        Pad();
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(start), (uint)(_len - start));
    }

    /// <summary>Adds flags to an already written message header.</summary>
    public void OrFlags(int start, ushort flags)
    {
        var f = _buf.AsSpan(start + 6, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(f, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(f) | flags));
    }

    public void Put(ushort type, ReadOnlySpan<byte> value)
    {
        var a = Grow(4 + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        value.CopyTo(a[4..]);
        Pad();
    }

    public void PutU32(ushort type, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v, value);
        Put(type, v);
    }

    public void PutU64(ushort type, ulong value)
    {
        Span<byte> v = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(v, value);
        Put(type, v);
    }

    public void PutU8(ushort type, byte value) => Put(type, [value]);

    public void PutString(ushort type, string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        var a = Grow(4 + n + 1);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + n + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        Encoding.UTF8.GetBytes(value, a[4..]);
        Pad();
    }

    public int BeginNested(ushort type)
    {
        int start = _len;
        var a = Grow(4);
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], (ushort)(type | NlConst.NLA_F_NESTED));
        return start;
    }

    public void EndNested(int start)
    {
        int len = _len - start;
        if (len > ushort.MaxValue) throw new NftablesException($"netlink attribute too large ({len} bytes)");
        BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(start), (ushort)len);
    }

    /// <summary>A libnftnl-style user data blob holding one null-terminated comment TLV.</summary>
    public static byte[] CommentUserData(string comment, byte tlvType)
    {
        var s = Encoding.UTF8.GetBytes(comment);
        if (s.Length + 1 > 255) throw new NftablesException($"comment \"{comment}\" is longer than 254 bytes");
        var b = new byte[2 + s.Length + 1];
        b[0] = tlvType;
        b[1] = (byte)(s.Length + 1);
        s.CopyTo(b, 2);
        return b;
    }
}
