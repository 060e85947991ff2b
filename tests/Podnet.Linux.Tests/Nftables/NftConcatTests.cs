using System.Net;
using Podnet.Linux.Nftables;

namespace Podnet.Linux.Tests.Nftables;

/// <summary>Concatenated ranges (KeyEnd) and concatenated map data, against the kernel and nft.</summary>
public sealed class NftConcatTests
{
    private static readonly NftTable Table = new(NftFamily.Ip, "podnet", "test table");

    [Fact]
    public void ConcatenatedRangesAndDataRoundTripAndReadAsNftWritesThem()
    {
        using var ns = new TestNetns();
        using var nft = new NftClient(ns.Name);
        NftDataType[] key = [NftDataType.Ipv4Addr, NftDataType.InetService, NftDataType.Ipv4Addr];
        var allow = new NftSet(Table, "allow", key, Flags: NftSetFlags.Interval);
        var eps = new NftSet(Table, "eps", [NftDataType.Ipv4Addr, NftDataType.InetService],
            NftDataType.Concat(NftDataType.Ipv4Addr, NftDataType.InetService));
        byte[] Key(string lb, string src) => NftKey.Concat(IPAddress.Parse(lb).GetAddressBytes(), NftKey.Port(80), IPAddress.Parse(src).GetAddressBytes());
        var range = new NftElement(Key("192.0.2.10", "203.0.113.0")) { KeyEnd = Key("192.0.2.10", "203.0.113.255") };
        var ep = new NftElement(NftKey.Concat(IPAddress.Parse("10.96.0.1").GetAddressBytes(), NftKey.Port(80)),
            Data: NftKey.Concat(IPAddress.Parse("10.244.1.2").GetAddressBytes(), NftKey.Port(8080)));
        nft.Apply(new NftTransaction().AddTable(Table).AddSet(allow).AddSet(eps)
            .AddElements(Table, "allow", [range]).AddElements(Table, "eps", [ep]));

        var state = nft.List(Table)!;
        var back = Assert.Single(state.Elements["allow"]);
        Assert.Equal(range.KeyHex, back.KeyHex);
        Assert.Equal(Convert.ToHexString(range.KeyEnd!), Convert.ToHexString(back.KeyEnd!));
        Assert.Equal(Convert.ToHexString(ep.Data!), Convert.ToHexString(Assert.Single(state.Elements["eps"]).Data!));

        var text = ns.Exec("nft", "list", "table", "ip", "podnet");
        Assert.Contains("192.0.2.10 . 80 . 203.0.113.0/24", text);
        Assert.Contains("10.96.0.1 . 80 : 10.244.1.2 . 8080", text);

        // The kernel enforces the range; the fake refuses a KeyEnd on a set without intervals, as the kernel does.
        var fake = new NftFake();
        fake.Apply(new NftTransaction().AddTable(Table).AddSet(eps with { Name = "plain", Data = null }));
        var bad = new NftTransaction().AddElements(Table, "plain", [new NftElement(ep.Key) { KeyEnd = ep.Key }]);
        Assert.Throws<NftablesException>(() => fake.Apply(bad));
        Assert.Throws<NftablesException>(() => nft.Apply(new NftTransaction().AddSet(eps with { Name = "plain", Data = null }).AddElements(Table, "plain", [new NftElement(ep.Key) { KeyEnd = ep.Key }])));
    }
}
