using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podnet.Linux.Netlink;

/// <summary>
/// Builds one netlink request into a reusable buffer: header, fixed struct, attributes
/// (nested ones via <see cref="BeginNested"/>/<see cref="EndNested"/>). Netlink is host-endian;
/// Podnet runs on little-endian Linux (x64, arm64), so values are written little-endian
/// except where the kernel wants network order (ports).
/// </summary>
internal sealed class NetlinkMessageBuilder
{
    private byte[] _buf = new byte[1024];
    private int _len;

    public void Begin(ushort type, ushort flags)
    {
        _len = 0;
        Span<byte> h = Reserve(Nl.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(flags | Nl.F_REQUEST));
    }

    /// <summary>Appends a zeroed, 4-aligned fixed struct (ifinfomsg, rtmsg, …) to fill in.</summary>
    public Span<byte> Struct(int size) => Reserve(size);

    public void Attr(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> a = Reserve(4 + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        value.CopyTo(a[4..]);
    }

    public void U8(ushort type, byte v) => Attr(type, [v]);

    public void U16(ushort type, ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        Attr(type, b);
    }

    public void U16BigEndian(ushort type, ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, v);
        Attr(type, b);
    }

    public void U32(ushort type, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        Attr(type, b);
    }

    /// <summary>A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND).</summary>
    public void String(ushort type, string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        Span<byte> a = Reserve(4 + n + 1);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + n + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        Encoding.UTF8.GetBytes(s, a[4..]);
    }

    public void Ip(ushort type, IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        Attr(type, b[..n]);
    }

    public void Mac(ushort type, MacAddress mac)
    {
        Span<byte> b = stackalloc byte[6];
        mac.WriteTo(b);
        Attr(type, b);
    }

    /// <summary>Starts a nested attribute; pass the returned offset to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type, bool nestedFlag = false)
    {
        int start = _len;
        Span<byte> a = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], nestedFlag ? (ushort)(type | Nl.NLA_F_NESTED) : type);
        return start;
    }

    public void EndNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(start), (ushort)(_len - start));

    /// <summary>Sets length and sequence number and returns the finished message.</summary>
    public ReadOnlySpan<byte> Finish(uint seq)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buf, (uint)_len);
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(8), seq);
        return _buf.AsSpan(0, _len);
    }

    public static byte Family(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 ? Nl.AF_INET6 : Nl.AF_INET;

    private Span<byte> Reserve(int size)
    {
        int aligned = Nl.Align(size);
        if (_len + aligned > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + aligned));
        Span<byte> s = _buf.AsSpan(_len, aligned);
        s.Clear();
        _len += aligned;
        return s[..size];
    }
}
