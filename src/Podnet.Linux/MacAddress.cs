using System.Buffers.Binary;
using System.Globalization;

namespace Podnet.Linux;

/// <summary>A 48-bit Ethernet address; prints as <c>aa:bb:cc:dd:ee:ff</c> (the form CNI results use).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static MacAddress FromBytes(ReadOnlySpan<byte> b)
    {
        if (b.Length != 6) throw new ArgumentException($"a MAC address has 6 bytes, got {b.Length}");
        return new MacAddress(((ulong)BinaryPrimitives.ReadUInt16BigEndian(b) << 32) | BinaryPrimitives.ReadUInt32BigEndian(b[2..]));
    }

    public void WriteTo(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(b[2..], (uint)Value);
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with '-').</summary>
    public static MacAddress Parse(string s) =>
        TryParse(s, out var m) ? m : throw new FormatException($"\"{s}\" is not a MAC address (want aa:bb:cc:dd:ee:ff)");

    public static bool TryParse(string? s, out MacAddress mac)
    {
        mac = default;
        if (s is null || s.Length != 17) return false;
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && s[i * 3 - 1] is not (':' or '-')) return false;
            if (!byte.TryParse(s.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b)) return false;
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    /// <summary>A random locally administered unicast address.</summary>
    public static MacAddress NewRandom()
    {
        Span<byte> b = stackalloc byte[6];
        Random.Shared.NextBytes(b);
        b[0] = (byte)((b[0] & 0xfe) | 0x02);
        return FromBytes(b);
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        WriteTo(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
