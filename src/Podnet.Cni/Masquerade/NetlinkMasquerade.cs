using System.Net;
using Podnet.Cni.Bridge;
using Podnet.Cni.Spec;
using Podnet.Linux.Nftables;

namespace Podnet.Cni.Masquerade;

/// <summary>
/// ipMasq over nf_tables netlink (no nft process): the same ruleset as <see cref="NftCliMasquerade"/>,
/// table "inet podnet-cni", a postrouting nat chain that looks the source address up in the verdict
/// maps masq4/masq6, which jump to the attachment's chain ("daddr SUBNET accept; daddr != multicast
/// masquerade"). Every change is one atomic batch; removal uses the kernel's destroy (idempotent).
/// </summary>
public sealed class NetlinkMasquerade : IMasquerade
{
    static readonly NftTable Table = new(NftFamily.Inet, NftCliMasquerade.Table);
    const string Post = "postrouting", Map4 = "masq4", Map6 = "masq6";
    const byte NfProtoIpv4 = 2, NfProtoIpv6 = 10;

    static NftTransaction Base(NftTransaction tx) => tx
        .AddTable(Table)
        .AddSet(new NftSet(Table, Map4, [NftDataType.Ipv4Addr], NftDataType.Verdict))
        .AddSet(new NftSet(Table, Map6, [NftDataType.Ipv6Addr], NftDataType.Verdict))
        .AddChain(new NftChain(Table, Post, new NftBaseChain(NftChainType.Nat, NftHook.Postrouting, NftBaseChain.SrcNat)));

    public void Add(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips)
    {
        string chain = Names.MasqChain(network, containerId, ifname);
        var tx = Base(new NftTransaction())
            // Flush + re-add keeps the base chain at exactly the two lookups, whoever ran first.
            .FlushChain(Table, Post)
            .AddRule(Table, Post, null, [.. Lookup(v4: true)])
            .AddRule(Table, Post, null, [.. Lookup(v4: false)])
            .AddChain(new NftChain(Table, chain))
            .FlushChain(Table, chain);
        foreach (var ip in ips)
        {
            var mcast = ip.IsV4 ? new IPNetwork(IPAddress.Parse("224.0.0.0"), 4) : new IPNetwork(IPAddress.Parse("ff00::"), 8);
            tx.AddRule(Table, chain, $"{network}/{containerId}/{ifname}", [.. Family(ip.IsV4), .. NftMatch.DaddrIn(new IPNetwork(ip.Network, ip.Prefix)), NftMatch.Accept]);
            tx.AddRule(Table, chain, null, [.. Family(ip.IsV4), .. NftMatch.DaddrIn(mcast, not: true), new NftMasquerade()]);
            tx.AddElements(Table, ip.IsV4 ? Map4 : Map6, [new NftElement(ip.Address.GetAddressBytes(), NftVerdict.Jump(chain))]);
        }
        Apply(tx, $"add masquerade rules for {containerId}/{ifname}");
    }

    public void Remove(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips)
    {
        string chain = Names.MasqChain(network, containerId, ifname);
        var tx = Base(new NftTransaction());
        foreach (var ip in ips)
            tx.DeleteElements(Table, ip.IsV4 ? Map4 : Map6, [new NftElement(ip.Address.GetAddressBytes())], ifExists: true);
        tx.DeleteChain(Table, chain, ifExists: true);
        Apply(tx, $"remove masquerade rules for {containerId}/{ifname}");
    }

    public bool Check(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips)
    {
        string chain = Names.MasqChain(network, containerId, ifname);
        using var nft = Open();
        var state = nft.List(Table);
        if (state is null || !state.Chains.ContainsKey(chain) || !state.RulesOf(chain).Any()) return false;
        return ips.All(ip => state.Elements.TryGetValue(ip.IsV4 ? Map4 : Map6, out var els) &&
            els.Any(e => e.Key.AsSpan().SequenceEqual(ip.Address.GetAddressBytes()) && e.Verdict?.Chain == chain));
    }

    public int Gc(string network, IReadOnlySet<string> validChains)
    {
        using var nft = Open();
        var state = nft.List(Table);
        if (state is null) return 0;
        string prefix = Names.MasqChainPrefix(network);
        var stale = state.Chains.Keys.Where(c => c.StartsWith(prefix, StringComparison.Ordinal) && !validChains.Contains(c)).ToHashSet();
        if (stale.Count == 0) return 0;
        var tx = new NftTransaction();
        foreach (var map in new[] { Map4, Map6 })
            if (state.Elements.TryGetValue(map, out var els))
                tx.DeleteElements(Table, map, els.Where(e => e.Verdict?.Chain is { } c && stale.Contains(c)).Select(e => new NftElement(e.Key)).ToList(), ifExists: true);
        foreach (var c in stale) tx.DeleteChain(Table, c, ifExists: true);
        Apply(tx, $"garbage-collect masquerade rules of network {network}");
        return stale.Count;
    }

    /// <summary>"ip saddr vmap @masq4" / "ip6 saddr vmap @masq6" (with the nfproto guard an inet table needs).</summary>
    static NftExpr[] Lookup(bool v4) =>
    [
        .. Family(v4),
        new NftPayload(NftPayloadBase.Network, v4 ? 12u : 8u, v4 ? 4u : 16u),
        new NftLookup(v4 ? Map4 : Map6, NftReg.R1, NftReg.Verdict),
    ];

    /// <summary>"meta nfproto ipv4|ipv6": the dependency nft itself puts before "ip daddr" in an inet table.</summary>
    static NftExpr[] Family(bool v4) => [new NftMeta(NftMetaKey.NfProto), new NftCmp(NftCmpOp.Eq, [v4 ? NfProtoIpv4 : NfProtoIpv6])];

    static NftClient Open()
    {
        try { return new NftClient(); }
        catch (NftablesException e) { throw new CniException(CniErrorCode.KernelFailure, "could not open nftables netlink socket", e.Message, e); }
    }

    static void Apply(NftTransaction tx, string what)
    {
        using var nft = Open();
        try { nft.Apply(tx); }
        catch (NftablesException e) { throw new CniException(CniErrorCode.KernelFailure, $"could not {what}", e.Message, e); }
    }
}
