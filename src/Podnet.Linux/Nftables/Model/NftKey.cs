using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Podnet.Linux.Nftables;

/// <summary>Builds element keys and data in nf_tables' wire layout.</summary>
public static class NftKey
{
    public const byte Tcp = 6, Udp = 17, Sctp = 132, Icmp = 1;

    public static byte[] Address(IPAddress a) => a.GetAddressBytes();

    public static byte[] Port(ushort port)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, port);
        return b;
    }

    public static byte[] Proto(byte proto) => [proto];

    /// <summary>A host-order 32-bit value as nft stores marks (host byte order).</summary>
    public static byte[] Mark(uint mark) => BitConverter.GetBytes(mark);

    /// <summary>Concatenates fields, each padded to a 4-byte register boundary.</summary>
    public static byte[] Concat(params byte[][] fields)
    {
        int n = 0;
        foreach (var f in fields) n += (f.Length + 3) & ~3;
        var b = new byte[n];
        int o = 0;
        foreach (var f in fields) { f.CopyTo(b, o); o += (f.Length + 3) & ~3; }
        return b;
    }

    /// <summary>address . protocol . port, the service map key.</summary>
    public static byte[] AddrProtoPort(IPAddress a, byte proto, ushort port) => Concat(Address(a), Proto(proto), Port(port));

    /// <summary>
    /// The two elements an interval set needs for a CIDR: its first address, and the first address
    /// after it flagged as interval end (omitted when the prefix reaches the top of the space).
    /// </summary>
    public static IReadOnlyList<NftElement> Cidr(IPNetwork net, string? comment = null)
    {
        var start = net.BaseAddress.GetAddressBytes();
        var end = (byte[])start.Clone();
        int hostBits = end.Length * 8 - net.PrefixLength;
        // end = start + 2^hostBits, computed big-endian with carry.
        bool overflow = AddPowerOfTwo(end, hostBits);
        var first = new NftElement(start, Comment: comment);
        return overflow ? [first] : [first, new NftElement(end, IntervalEnd: true)];
    }

    private static bool AddPowerOfTwo(byte[] be, int bit)
    {
        if (bit >= be.Length * 8) return true;
        int idx = be.Length - 1 - bit / 8;
        int carry = 1 << (bit % 8);
        for (int i = idx; i >= 0 && carry != 0; i--)
        {
            int v = be[i] + carry;
            be[i] = (byte)v;
            carry = v >> 8;
        }
        return carry != 0;
    }

    /// <summary>Parses an address key back (for dumps).</summary>
    public static IPAddress ToAddress(ReadOnlySpan<byte> b) => new(b);

    public static AddressFamily FamilyOf(NftFamily f) => f == NftFamily.Ip6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
}
