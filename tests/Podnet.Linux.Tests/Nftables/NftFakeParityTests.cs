using System.Net;
using Podnet.Linux.Nftables;

namespace Podnet.Linux.Tests.Nftables;

/// <summary>The fake used by rule-set unit tests must fail where the kernel fails, with the same errno, and keep state alike.</summary>
public sealed class NftFakeParityTests
{
    private static readonly NftTable T = new(NftFamily.Ip, "parity");
    private static readonly NftSet Map = new(T, "m", [NftDataType.Ipv4Addr, NftDataType.InetProto, NftDataType.InetService], NftDataType.Verdict);
    private static NftElement El(string chain, ushort port = 80) => new(NftKey.AddrProtoPort(IPAddress.Parse("10.96.0.1"), NftKey.Tcp, port), NftVerdict.Goto(chain));

    private static NftTransaction Base() => new NftTransaction().AddTable(T)
        .AddChain(new NftChain(T, "a")).AddChain(new NftChain(T, "b")).AddChain(new NftChain(T, "c"))
        .AddSet(Map).AddRule(T, "a", "r", NftMatch.Jump("b")).AddElements(T, "m", [El("c")]);

    public static TheoryData<string> Scenarios => new()
    {
        "rule-missing-chain", "jump-missing-chain", "element-missing-set", "element-missing-target",
        "element-other-verdict", "element-same-verdict", "delete-missing-element", "delete-referenced-by-rule",
        "delete-referenced-by-element", "delete-missing-rule", "delete-chain-ok", "destroy-missing",
    };

    private static NftTransaction Scenario(string name) => name switch
    {
        "rule-missing-chain" => new NftTransaction().AddRule(T, "zz", null, NftMatch.Accept),
        "jump-missing-chain" => new NftTransaction().AddRule(T, "a", null, NftMatch.Jump("zz")),
        "element-missing-set" => new NftTransaction().AddElements(T, "zz", [El("c")]),
        "element-missing-target" => new NftTransaction().AddElements(T, "m", [El("zz", 81)]),
        "element-other-verdict" => new NftTransaction().AddElements(T, "m", [El("b")]),
        "element-same-verdict" => new NftTransaction().AddElements(T, "m", [El("c")]),
        "delete-missing-element" => new NftTransaction().DeleteElements(T, "m", [El("c", 99)]),
        "delete-referenced-by-rule" => new NftTransaction().DeleteChain(T, "b"),
        "delete-referenced-by-element" => new NftTransaction().DeleteChain(T, "c"),
        "delete-missing-rule" => new NftTransaction().DeleteRule(T, "a", 999999),
        "delete-chain-ok" => new NftTransaction().FlushChain(T, "a").DeleteChain(T, "b"),
        "destroy-missing" => new NftTransaction().DeleteChain(T, "zz", ifExists: true).DeleteElements(T, "m", [El("c", 99)], ifExists: true),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FakeAndKernelAgree(string scenario)
    {
        using var ns = new TestNetns();
        using var kernel = new NftClient(ns.Name);
        var fake = new NftFake();
        kernel.Apply(Base());
        fake.Apply(Base());
        var k = Record.Exception(() => kernel.Apply(Scenario(scenario))) as NftablesException;
        var f = Record.Exception(() => fake.Apply(Scenario(scenario))) as NftablesException;
        Assert.Equal(k?.Errno, f?.Errno);
        Assert.Equal(Summary(kernel.List(T)!), Summary(fake.List(T)!));
    }

    private static string Summary(NftTableState s) =>
        string.Join(",", s.Chains.Keys.Order()) + "|" +
        string.Join(",", s.Rules.Select(r => $"{r.Chain}:{r.Comment}").Order()) + "|" +
        string.Join(",", s.Elements["m"].Select(e => $"{e.KeyHex}={e.Verdict}").Order());
}
