using System.Buffers.Binary;
using System.Net;

namespace Podnet.Agent.Overlay.Config;

/// <summary>IPv4 address arithmetic on host-order integers.</summary>
public static class Ip4
{
    public static uint ToUInt(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[4];
        if (!ip.TryWriteBytes(b, out int n) || n != 4) throw new ArgumentException($"{ip} is not an IPv4 address");
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static IPAddress FromUInt(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return new IPAddress(b);
    }

    public static IPAddress Mask(IPAddress ip, int prefix) =>
        FromUInt(prefix == 0 ? 0 : ToUInt(ip) & (uint.MaxValue << (32 - prefix)));

    /// <summary>The n-th address of <paramref name="net"/> (1 = the gateway of a pod subnet).</summary>
    public static IPAddress Nth(IPNetwork net, uint n) => FromUInt(ToUInt(net.BaseAddress) + n);

    /// <summary>"10.244.1.0/24" → "10-244-1-0-24", usable as an object name.</summary>
    public static string ToName(IPNetwork net) => net.ToString().Replace('.', '-').Replace('/', '-');
}
