using System.Net;
using Podnet.Linux.Netns;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Overlay.Node;

/// <summary>
/// Source NAT for pod traffic leaving the cluster network (flanneld --ip-masq): one nftables table
/// <c>ip podnet-overlay</c>, programmed over nf_tables netlink (no nft process) and replaced in a
/// single atomic transaction (existing connections keep their conntrack mappings). Pod-to-pod
/// traffic and multicast are never translated.
/// </summary>
public static class Masquerade
{
    public const string Table = "podnet-overlay", Chain = "postrouting";
    private static readonly NftTable T = new(NftFamily.Ip, Table);
    private static readonly IPNetwork Multicast = new(IPAddress.Parse("224.0.0.0"), 4);

    /// <summary>The whole table as one transaction: create-if-missing, delete, create with the rules.</summary>
    public static NftTransaction Ruleset(IPNetwork network) => new NftTransaction()
        .AddTable(T)
        .DeleteTable(T)
        .AddTable(T)
        .AddChain(new NftChain(T, Chain, new NftBaseChain(NftChainType.Nat, NftHook.Postrouting, NftBaseChain.SrcNat)))
        .AddRule(T, Chain, null, [.. NftMatch.SaddrIn(network), .. NftMatch.DaddrIn(network), NftMatch.Return])
        .AddRule(T, Chain, null, [.. NftMatch.SaddrIn(network), .. NftMatch.DaddrIn(Multicast), NftMatch.Return])
        .AddRule(T, Chain, null, [.. NftMatch.SaddrIn(network), new NftMasquerade()]);

    public static void Apply(NetNs ns, IPNetwork network) => Run(ns, Ruleset(network), "apply masquerade for " + network);

    public static void Remove(NetNs ns) => Run(ns, new NftTransaction().DeleteTable(T, ifExists: true), "remove masquerade table");

    private static void Run(NetNs ns, NftTransaction tx, string what)
    {
        try
        {
            using var nft = new NftClient(ns.IsProcessNamespace ? null : ns.Path);
            nft.Apply(tx);
        }
        catch (NftablesException e) { throw new InvalidOperationException($"could not {what} in {ns.Label}: {e.Message}", e); }
    }
}
