using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Podnet.Linux.Netlink;

/// <summary>Walks the attributes (TLVs) of a netlink payload; use <see cref="Value"/> of a nested
/// attribute to start another reader. Malformed trailing bytes end the walk.</summary>
internal ref struct NetlinkAttributes
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkAttributes(ReadOnlySpan<byte> data) { _rest = data; Type = 0; Value = default; }

    /// <summary>Attribute type with the NESTED/BYTEORDER flags masked off.</summary>
    public ushort Type { get; private set; }
    public ReadOnlySpan<byte> Value { get; private set; }

    public bool MoveNext()
    {
        if (_rest.Length < 4) return false;
        int len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (len < 4 || len > _rest.Length) { _rest = default; return false; }
        Type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & Nl.NLA_TYPE_MASK);
        Value = _rest[4..len];
        _rest = _rest[Math.Min(Nl.Align(len), _rest.Length)..];
        return true;
    }

    public readonly byte U8 => Value.Length >= 1 ? Value[0] : (byte)0;
    public readonly uint U32 => Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Value) : 0;
    public readonly ushort U16BigEndian => Value.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Value) : (ushort)0;

    /// <summary>A NUL-terminated string value.</summary>
    public readonly string String
    {
        get
        {
            ReadOnlySpan<byte> v = Value;
            int nul = v.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul >= 0 ? v[..nul] : v);
        }
    }

    public readonly IPAddress? Ip => Value.Length is 4 or 16 ? new IPAddress(Value) : null;
}
