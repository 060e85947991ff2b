using System.Net;
using System.Net.Sockets;

namespace Podnet.Api.Validation;

/// <summary>An IP prefix such as 10.244.0.0/16. Parsing accepts host bits (like Kubernetes'
/// ParseCIDRSloppy) and keeps the masked network address.</summary>
public sealed record Cidr(IPAddress Network, int PrefixLength)
{
    public int Bits => Network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;

    public static bool TryParse(string? text, out Cidr cidr)
    {
        cidr = null!;
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/');
        if (slash < 0 || !TryParseAddress(text.AsSpan(0, slash), out var ip)) return false;
        var bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var lenText = text[(slash + 1)..];
        if (lenText.Length == 0 || lenText.Length > 3 || !lenText.All(char.IsAsciiDigit)) return false;
        var len = int.Parse(lenText);
        if (len > bits) return false;
        cidr = new Cidr(Mask(ip, len), len);
        return true;
    }

    /// <summary>
    /// An IPv4 dotted quad of decimal numbers (leading zeros read as decimal, as Kubernetes' sloppy
    /// parser does) or an IPv6 address without zone. .NET alone also takes "10" (0.0.0.10), "10.1",
    /// hex, and octal for leading zeros ("010" = 8): a policy would then cover other addresses.
    /// </summary>
    public static bool TryParseAddress(ReadOnlySpan<char> s, out IPAddress ip)
    {
        ip = null!;
        if (s.Contains(':')) return !s.Contains('%') && IPAddress.TryParse(s, out ip!) && ip.AddressFamily == AddressFamily.InterNetworkV6;
        Span<byte> b = stackalloc byte[4];
        int part = 0, digits = 0, value = 0;
        foreach (var c in s)
        {
            if (c == '.')
            {
                if (digits == 0 || part == 3) return false;
                b[part++] = (byte)value;
                (digits, value) = (0, 0);
            }
            else if (char.IsAsciiDigit(c) && digits < 3)
            {
                value = value * 10 + (c - '0');
                if (value > 255) return false;
                digits++;
            }
            else return false;
        }
        if (digits == 0 || part != 3) return false;
        b[3] = (byte)value;
        ip = new IPAddress(b);
        return true;
    }

    public static Cidr Parse(string text) =>
        TryParse(text, out var c) ? c : throw new FormatException($"\"{text}\" is not a valid CIDR");

    public bool Contains(IPAddress ip) =>
        ip.AddressFamily == Network.AddressFamily && Mask(ip, PrefixLength).Equals(Network);

    /// <summary>True when <paramref name="inner"/> lies inside this prefix (equal counts).</summary>
    public bool Contains(Cidr inner) => inner.PrefixLength >= PrefixLength && Contains(inner.Network);

    public static IPAddress Mask(IPAddress ip, int len)
    {
        var bytes = ip.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(len - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
