using System.Buffers.Binary;
using System.Net;

namespace Podnet.Linux.Nftables;

/// <summary>
/// The expression sequences behind common nft phrases ("ip saddr 10.0.0.1", "ip daddr != 10.0.0.0/8",
/// "ip daddr . meta l4proto . th dport vmap @m"), so rule logic reads like nft.
/// </summary>
public static class NftMatch
{
    private const uint IpSaddrOffset = 12, IpDaddrOffset = 16, Ip6SaddrOffset = 8, Ip6DaddrOffset = 24;

    private static (uint off, uint len) Addr(IPAddress a, bool source) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? (source ? Ip6SaddrOffset : Ip6DaddrOffset, 16u)
        : (source ? IpSaddrOffset : IpDaddrOffset, 4u);

    /// <summary>"ip saddr A" / "ip saddr != A" (ip6 for IPv6 addresses).</summary>
    public static NftExpr[] Saddr(IPAddress a, bool not = false) => AddrEq(a, true, not);

    /// <summary>"ip daddr A" / "ip daddr != A".</summary>
    public static NftExpr[] Daddr(IPAddress a, bool not = false) => AddrEq(a, false, not);

    private static NftExpr[] AddrEq(IPAddress a, bool source, bool not)
    {
        var (off, len) = Addr(a, source);
        return [new NftPayload(NftPayloadBase.Network, off, len), new NftCmp(not ? NftCmpOp.Neq : NftCmpOp.Eq, a.GetAddressBytes())];
    }

    /// <summary>"ip saddr 10.0.0.0/8" / "ip saddr != 10.0.0.0/8".</summary>
    public static NftExpr[] SaddrIn(IPNetwork net, bool not = false) => Prefix(net, true, not);

    /// <summary>"ip daddr 10.0.0.0/8" / "ip daddr != 10.0.0.0/8".</summary>
    public static NftExpr[] DaddrIn(IPNetwork net, bool not = false) => Prefix(net, false, not);

    private static NftExpr[] Prefix(IPNetwork net, bool source, bool not)
    {
        var (off, len) = Addr(net.BaseAddress, source);
        var mask = PrefixMask((int)len, net.PrefixLength);
        return
        [
            new NftPayload(NftPayloadBase.Network, off, len),
            new NftBitwise(len, mask, new byte[len]),
            new NftCmp(not ? NftCmpOp.Neq : NftCmpOp.Eq, net.BaseAddress.GetAddressBytes()),
        ];
    }

    public static byte[] PrefixMask(int bytes, int prefix)
    {
        var m = new byte[bytes];
        for (int i = 0; i < prefix; i++) m[i / 8] |= (byte)(0x80 >> (i % 8));
        return m;
    }

    /// <summary>"meta l4proto tcp".</summary>
    public static NftExpr[] L4Proto(byte proto) => [new NftMeta(NftMetaKey.L4Proto), new NftCmp(NftCmpOp.Eq, [proto])];

    /// <summary>"th dport 80" (the transport header's destination port; any protocol with ports).</summary>
    public static NftExpr[] Dport(ushort port) => [new NftPayload(NftPayloadBase.Transport, 2, 2), new NftCmp(NftCmpOp.Eq, NftKey.Port(port))];

    /// <summary>"ct state established,related" style: any of the given states.</summary>
    public static NftExpr[] CtState(NftCtState states)
    {
        var mask = BitConverter.GetBytes((uint)states);
        return [new NftCt(NftCtKey.State), new NftBitwise(4, mask, new byte[4]), new NftCmp(NftCmpOp.Neq, new byte[4])];
    }

    /// <summary>"meta mark &amp; bit != 0" (or == 0 when <paramref name="not"/>).</summary>
    public static NftExpr[] MarkHas(uint bit, bool not = false)
        => [new NftMeta(NftMetaKey.Mark), new NftBitwise(4, BitConverter.GetBytes(bit), new byte[4]), new NftCmp(not ? NftCmpOp.Eq : NftCmpOp.Neq, new byte[4])];

    /// <summary>"meta mark set mark or bit".</summary>
    public static NftExpr[] SetMarkBit(uint bit)
        => [new NftMeta(NftMetaKey.Mark), new NftBitwise(4, BitConverter.GetBytes(~bit), BitConverter.GetBytes(bit)), new NftMetaSet(NftMetaKey.Mark)];

    /// <summary>"fib daddr type local".</summary>
    public static NftExpr[] DaddrIsLocal()
    {
        var local = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(local, NftFib.RtnLocal);
        return [new NftFib(NftFibFlags.Daddr, NftFibResult.AddrType), new NftCmp(NftCmpOp.Eq, local)];
    }

    /// <summary>"ip daddr . meta l4proto . th dport" loaded into consecutive 32-bit registers.</summary>
    public static NftExpr[] DaddrProtoDport(bool ipv6 = false) => AddrProtoDport(source: false, ipv6);

    /// <summary>"ip saddr . meta l4proto . th dport" (or daddr) loaded into consecutive 32-bit registers.</summary>
    public static NftExpr[] AddrProtoDport(bool source, bool ipv6 = false) =>
    [
        new NftPayload(NftPayloadBase.Network, ipv6 ? (source ? Ip6SaddrOffset : Ip6DaddrOffset) : (source ? IpSaddrOffset : IpDaddrOffset),
            ipv6 ? 16u : 4u, NftReg.R32(0)),
        new NftMeta(NftMetaKey.L4Proto, NftReg.R32(ipv6 ? 4 : 1)),
        new NftPayload(NftPayloadBase.Transport, 2, 2, NftReg.R32(ipv6 ? 5 : 2)),
    ];

    /// <summary>"ip daddr . meta l4proto . th dport vmap @map".</summary>
    public static NftExpr[] DaddrProtoDportVmap(string map, bool ipv6 = false)
        => [.. DaddrProtoDport(ipv6), new NftLookup(map, NftReg.R32(0), NftReg.Verdict)];

    /// <summary>"dnat to A:port".</summary>
    public static NftExpr[] DnatTo(IPAddress a, ushort port) =>
    [
        new NftImmediate(NftReg.R1, a.GetAddressBytes()),
        new NftImmediate(NftReg.R2, NftKey.Port(port)),
        new NftNat(NftNatType.Dnat, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? NftFamily.Ip6 : NftFamily.Ip, NftReg.R1, NftReg.R2),
    ];

    public static NftExpr Verdict(NftVerdict v) => new NftVerdictExpr(v);
    public static NftExpr Jump(string chain) => new NftVerdictExpr(NftVerdict.Jump(chain));
    public static NftExpr Goto(string chain) => new NftVerdictExpr(NftVerdict.Goto(chain));
    public static NftExpr Accept => new NftVerdictExpr(NftVerdict.Accept);
    public static NftExpr Drop => new NftVerdictExpr(NftVerdict.Drop);
    public static NftExpr Return => new NftVerdictExpr(NftVerdict.Return);
}
