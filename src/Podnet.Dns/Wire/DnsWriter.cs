using System.Buffers.Binary;
using System.Net;

namespace Podnet.Dns.Wire;

/// <summary>
/// Writes a DNS message into a caller-owned span, compressing names (RFC 1035 4.1.4) against the
/// names already written. Running out of space sets <see cref="Overflow"/> instead of throwing, so
/// the caller can fall back to a truncated answer.
/// </summary>
public ref struct DnsWriter
{
    private readonly Span<byte> _buf;
    private readonly Span<ushort> _labels; // offsets of labels written uncompressed, compression targets
    private int _labelCount;
    public int Position;
    public bool Overflow;

    public DnsWriter(Span<byte> buffer, Span<ushort> compressionTable)
    {
        _buf = buffer;
        _labels = compressionTable;
        _labelCount = 0;
        Position = 0;
        Overflow = false;
    }

    public readonly ReadOnlySpan<byte> Written => _buf[..Position];

    /// <summary>A point to return to when a record does not fit.</summary>
    public readonly (int Position, int Labels) Mark() => (Position, _labelCount);

    public void Rewind((int Position, int Labels) mark)
    {
        Position = mark.Position;
        _labelCount = mark.Labels;
        Overflow = false;
    }

    private bool Ensure(int n)
    {
        if (Overflow || Position + n > _buf.Length) { Overflow = true; return false; }
        return true;
    }

    public void WriteHeader(ushort id, ushort flags, int qd, int an, int ns, int ar)
    {
        if (!Ensure(12)) return;
        DnsHeader.SetId(_buf[Position..], id);
        DnsHeader.SetFlags(_buf[Position..], flags);
        DnsHeader.SetCounts(_buf[Position..], qd, an, ns, ar);
        Position += 12;
    }

    public void U8(byte v) { if (Ensure(1)) _buf[Position++] = v; }
    public void U16(ushort v) { if (Ensure(2)) { BinaryPrimitives.WriteUInt16BigEndian(_buf[Position..], v); Position += 2; } }
    public void U32(uint v) { if (Ensure(4)) { BinaryPrimitives.WriteUInt32BigEndian(_buf[Position..], v); Position += 4; } }
    public void Bytes(scoped ReadOnlySpan<byte> b) { if (Ensure(b.Length)) { b.CopyTo(_buf[Position..]); Position += b.Length; } }

    /// <summary>Writes an uncompressed lowercase wire-form name, using a pointer for the longest known suffix.</summary>
    public void Name(scoped ReadOnlySpan<byte> name, bool compress = true)
    {
        int pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            if (compress)
            {
                int target = FindSuffix(name[pos..]);
                if (target >= 0) { U16((ushort)(0xC000 | target)); return; }
            }
            int len = name[pos];
            if (!Ensure(1 + len)) return;
            if (Position <= 0x3FFF && _labelCount < _labels.Length) _labels[_labelCount++] = (ushort)Position;
            name.Slice(pos, 1 + len).CopyTo(_buf[Position..]);
            Position += 1 + len;
            pos += 1 + len;
        }
        U8(0);
    }

    private readonly int FindSuffix(ReadOnlySpan<byte> suffix)
    {
        for (int i = 0; i < _labelCount; i++)
            if (EqualsAt(_labels[i], suffix)) return _labels[i];
        return -1;
    }

    /// <summary>Compares the (possibly compressed) name at <paramref name="offset"/> with <paramref name="name"/>, ignoring ASCII case.</summary>
    private readonly bool EqualsAt(int offset, ReadOnlySpan<byte> name)
    {
        int pos = 0, hops = 0;
        while (true)
        {
            int b = _buf[offset];
            if ((b & 0xC0) == 0xC0)
            {
                if (++hops > DnsLimits.MaxPointerHops) return false;
                offset = ((b & 0x3F) << 8) | _buf[offset + 1];
                continue;
            }
            if (pos >= name.Length || name[pos] != b) return false;
            if (b == 0) return true;
            for (int i = 1; i <= b; i++)
            {
                if (Lower(_buf[offset + i]) != Lower(name[pos + i])) return false;
            }
            offset += 1 + b;
            pos += 1 + b;
        }
    }

    private static byte Lower(byte c) => (uint)(c - 'A') <= 'Z' - 'A' ? (byte)(c | 0x20) : c;

    public void Question(scoped ReadOnlySpan<byte> name, ushort type, ushort cls)
    {
        Name(name);
        U16(type);
        U16(cls);
    }

    /// <summary>Writes owner, type, class and TTL and reserves RDLENGTH; returns its offset for <see cref="EndRecord"/>.</summary>
    public int BeginRecord(scoped ReadOnlySpan<byte> owner, ushort type, ushort cls, uint ttl, bool compressOwner = true)
    {
        Name(owner, compressOwner);
        U16(type);
        U16(cls);
        U32(ttl);
        int at = Position;
        U16(0);
        return at;
    }

    public void EndRecord(int rdLengthAt)
    {
        if (Overflow) return;
        BinaryPrimitives.WriteUInt16BigEndian(_buf[rdLengthAt..], (ushort)(Position - rdLengthAt - 2));
    }

    public void Address(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        Bytes(b[..n]);
    }

    /// <summary>A character-string (RFC 1035 3.3): length byte then at most 255 bytes.</summary>
    public void CharacterString(scoped ReadOnlySpan<byte> s)
    {
        if (s.Length > 255) s = s[..255];
        U8((byte)s.Length);
        Bytes(s);
    }

    /// <summary>An OPT pseudo-record (RFC 6891 6.1.2) with no options.</summary>
    public void Opt(ushort udpPayload, byte extendedRcode, bool dnssecOk)
    {
        U8(0);
        U16(RecordType.OPT);
        U16(udpPayload);
        U8(extendedRcode);
        U8(0);
        U16(dnssecOk ? (ushort)0x8000 : (ushort)0);
        U16(0);
    }
}
