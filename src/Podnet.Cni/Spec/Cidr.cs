using System.Net;
using System.Net.Sockets;

namespace Podnet.Cni.Spec;

/// <summary>An address with a prefix length, host bits allowed ("10.244.0.5/24").</summary>
public readonly record struct Cidr(IPAddress Address, int Prefix)
{
    public bool IsV4 => Address.AddressFamily == AddressFamily.InterNetwork;
    public int Bits => IsV4 ? 32 : 128;

    public static Cidr Parse(string s, string what)
    {
        if (TryParse(s, out var c)) return c;
        throw new CniException(CniErrorCode.InvalidConfig, $"invalid CIDR in {what}", $"{what}: \"{s}\" is not a valid CIDR (address/prefix)");
    }

    public static bool TryParse(string? s, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrEmpty(s)) return false;
        int slash = s.IndexOf('/');
        if (slash < 0) return false;
        if (!IpMath.TryParseStrict(s[..slash], out var ip)) return false;
        if (!int.TryParse(s.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var p)) return false;
        ip = IpMath.Canonical(ip);
        int bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (p < 0 || p > bits) return false;
        cidr = new Cidr(ip, p);
        return true;
    }

    public IPAddress Network => IpMath.FromUInt128(IpMath.ToUInt128(Address) & IpMath.Mask(Prefix, Bits), IsV4);
    public Cidr Masked => new(Network, Prefix);
    public IPAddress Last => IpMath.FromUInt128(IpMath.ToUInt128(Address) | ~IpMath.Mask(Prefix, Bits) & IpMath.AllOnes(Bits), IsV4);

    public bool Contains(IPAddress ip)
    {
        ip = IpMath.Canonical(ip);
        if (ip.AddressFamily != Address.AddressFamily) return false;
        var m = IpMath.Mask(Prefix, Bits);
        return (IpMath.ToUInt128(ip) & m) == (IpMath.ToUInt128(Address) & m);
    }

    public override string ToString() => $"{Address}/{Prefix}";
}

/// <summary>Address arithmetic over UInt128 (IPv4 uses the low 32 bits).</summary>
public static class IpMath
{
    public static IPAddress Canonical(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    public static UInt128 ToUInt128(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        UInt128 v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | b[i];
        return v;
    }

    public static IPAddress FromUInt128(UInt128 v, bool v4)
    {
        int n = v4 ? 4 : 16;
        Span<byte> b = stackalloc byte[n];
        for (int i = n - 1; i >= 0; i--) { b[i] = (byte)(v & 0xff); v >>= 8; }
        return new IPAddress(b);
    }

    public static UInt128 AllOnes(int bits) => bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;
    public static UInt128 Mask(int prefix, int bits) => prefix == 0 ? 0 : AllOnes(bits) ^ AllOnes(bits - prefix);

    public static IPAddress Next(IPAddress ip)
    {
        bool v4 = ip.AddressFamily == AddressFamily.InterNetwork;
        return FromUInt128((ToUInt128(ip) + 1) & AllOnes(v4 ? 32 : 128), v4);
    }

    public static IPAddress Prev(IPAddress ip)
    {
        bool v4 = ip.AddressFamily == AddressFamily.InterNetwork;
        return FromUInt128((ToUInt128(ip) - 1) & AllOnes(v4 ? 32 : 128), v4);
    }

    /// <summary>Dotted quads or IPv6 text only: no zone, no shorthand like "10.1", as Go's net.ParseIP.</summary>
    public static bool TryParseStrict(string? s, out IPAddress ip)
    {
        ip = IPAddress.None;
        if (string.IsNullOrEmpty(s) || s.Contains('%') || s.Contains('/')) return false;
        if (!s.Contains(':') && s.Count(c => c == '.') != 3) return false;
        if (!IPAddress.TryParse(s, out var parsed)) return false;
        ip = Canonical(parsed);
        return true;
    }

    public static int Compare(IPAddress a, IPAddress b) => ToUInt128(a).CompareTo(ToUInt128(b));

    public static IPAddress ParseIp(string? s, string what)
    {
        if (TryParseStrict(s, out var ip)) return ip;
        throw new CniException(CniErrorCode.InvalidConfig, $"invalid IP address in {what}", $"{what}: \"{s}\" is not a valid IP address");
    }
}
