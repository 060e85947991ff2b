using System.Net;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Wire layout of the proxy's keys and data, as nft lays out "ip daddr . meta l4proto . th dport .
/// numgen random mod N" (index: host-order u32, nft's mark type) and "ip daddr . th dport".
/// </summary>
public static class ProxyData
{
    public static readonly NftDataType[] AddrProtoPort = [NftDataType.Ipv4Addr, NftDataType.InetProto, NftDataType.InetService];
    public static readonly NftDataType[] ProtoPort = [NftDataType.InetProto, NftDataType.InetService];
    public static readonly NftDataType[] AddrProtoPortIndex = [.. AddrProtoPort, NftDataType.Mark];
    public static readonly NftDataType[] ProtoPortIndex = [.. ProtoPort, NftDataType.Mark];
    public static readonly NftDataType[] AddrProtoPortSource = [.. AddrProtoPort, NftDataType.Ipv4Addr];
    public static readonly NftDataType[] AddrAddr = [NftDataType.Ipv4Addr, NftDataType.Ipv4Addr];
    public static readonly NftDataType AddrPort = NftDataType.Concat(NftDataType.Ipv4Addr, NftDataType.InetService);

    public static byte[] Key(string d, IPAddress? a, byte proto, ushort port) => d == ProxyNames.Ip
        ? NftKey.AddrProtoPort(a!, proto, port) : NftKey.Concat(NftKey.Proto(proto), NftKey.Port(port));

    public static byte[] Indexed(byte[] key, int index) => [.. key, .. BitConverter.GetBytes((uint)index)];

    public static byte[] AddrPortData(EndpointInfo e) => NftKey.Concat(e.Address.GetAddressBytes(), NftKey.Port(e.Port));

    public static byte[] Hairpin(IPAddress a) => NftKey.Concat(a.GetAddressBytes(), a.GetAddressBytes());

    /// <summary>The first and last (inclusive) key of "address . proto . port . source in range".</summary>
    public static (byte[] Start, byte[] End) SourceRange(IPAddress a, byte proto, ushort port, IPNetwork range)
    {
        var first = range.BaseAddress.GetAddressBytes();
        var last = (byte[])first.Clone();
        for (int bit = range.PrefixLength; bit < 32; bit++) last[bit / 8] |= (byte)(0x80 >> (bit % 8));
        return (NftKey.Concat(a.GetAddressBytes(), NftKey.Proto(proto), NftKey.Port(port), first),
                NftKey.Concat(a.GetAddressBytes(), NftKey.Proto(proto), NftKey.Port(port), last));
    }
}
