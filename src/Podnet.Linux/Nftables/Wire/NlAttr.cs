using System.Buffers.Binary;
using System.Text;

namespace Podnet.Linux.Nftables.Wire;

/// <summary>One parsed netlink attribute (type without the nested/byte-order flags).</summary>
internal readonly ref struct NlAttr
{
    public readonly ushort Type;
    public readonly ReadOnlySpan<byte> Value;
    public NlAttr(ushort type, ReadOnlySpan<byte> value) { Type = type; Value = value; }

    public uint U32 => BinaryPrimitives.ReadUInt32BigEndian(Value);
    public ulong U64 => BinaryPrimitives.ReadUInt64BigEndian(Value);
    public string String => Encoding.UTF8.GetString(Value.IndexOf((byte)0) is var z and >= 0 ? Value[..z] : Value);
    public NlAttrReader Nested => new(Value);
}

/// <summary>Iterates the attributes in a span; stops quietly at a truncated tail.</summary>
internal ref struct NlAttrReader
{
    private ReadOnlySpan<byte> _rest;
    public NlAttr Current { get; private set; }

    public NlAttrReader(ReadOnlySpan<byte> data) { _rest = data; Current = default; }

    public NlAttrReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.Length < 4) return false;
        int len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & 0x3fff);
        if (len < 4 || len > _rest.Length) return false;
        Current = new NlAttr(type, _rest[4..len]);
        int next = NlWriter.Align(len);
        _rest = next >= _rest.Length ? default : _rest[next..];
        return true;
    }
}

/// <summary>Splits a receive buffer into netlink messages.</summary>
internal ref struct NlMessageReader
{
    private ReadOnlySpan<byte> _rest;
    public ushort Type { get; private set; }
    public ushort Flags { get; private set; }
    public uint Seq { get; private set; }
    /// <summary>Payload after nlmsghdr.</summary>
    public ReadOnlySpan<byte> Payload { get; private set; }

    public NlMessageReader(ReadOnlySpan<byte> data) { _rest = data; }

    public bool MoveNext()
    {
        if (_rest.Length < NlConst.HeaderLength) return false;
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        if (len < NlConst.HeaderLength || len > _rest.Length) return false;
        Type = BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]);
        Flags = BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]);
        Seq = BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]);
        Payload = _rest[NlConst.HeaderLength..len];
        int next = NlWriter.Align(len);
        _rest = next >= _rest.Length ? default : _rest[next..];
        return true;
    }
}
