using System.Net;
using System.Net.Sockets;

namespace Podnet.Linux.Nftables;

/// <summary>
/// Per-container masquerade, as the CNI bridge plugin's ipMasq does: in table ip (ip6) "podnet-masq",
/// nat chain "postrouting", one rule per container "ip saddr POD ip daddr != NET ... masquerade"
/// tagged with a comment (the container's id), so it can be found and removed by that comment.
/// </summary>
public sealed class NftIpMasq(INftRunner nft, string tableName = NftIpMasq.DefaultTable)
{
    public const string DefaultTable = "podnet-masq", Chain = "postrouting";

    public NftTable TableFor(IPAddress podIp)
        => new(podIp.AddressFamily == AddressFamily.InterNetworkV6 ? NftFamily.Ip6 : NftFamily.Ip, tableName);

    /// <summary>Adds the masquerade rule for <paramref name="id"/> unless a rule with that comment exists.</summary>
    public void Ensure(IPAddress podIp, IReadOnlyList<IPNetwork> notTo, string id, bool fullyRandom = false)
    {
        var table = TableFor(podIp);
        foreach (var n in notTo)
            if (n.BaseAddress.AddressFamily != podIp.AddressFamily)
                throw new NftablesException($"could not add masquerade for {podIp} ({id}): excluded network {n} is of another address family");
        var state = nft.List(table, withElements: false);
        if (state is not null && state.RulesOf(Chain).Any(r => r.Comment == id)) return;
        var exprs = new List<NftExpr>(NftMatch.Saddr(podIp));
        foreach (var n in notTo) exprs.AddRange(NftMatch.DaddrIn(n, not: true));
        exprs.Add(new NftMasquerade(fullyRandom ? NftNatFlags.FullyRandom : NftNatFlags.None));
        new NftTransaction()
            .AddTable(table)
            .AddChain(new NftChain(table, Chain, new NftBaseChain(NftChainType.Nat, NftHook.Postrouting, NftBaseChain.SrcNat)))
            .AddRule(new NftRule(table, Chain, exprs, id))
            .Apply(nft);
    }

    /// <summary>Removes every masquerade rule tagged <paramref name="id"/> in both families; false when there was none.</summary>
    public bool Remove(string id)
    {
        bool any = false;
        foreach (var family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            var table = new NftTable(family, tableName);
            var state = nft.List(table, withElements: false);
            if (state is null) continue;
            var tx = new NftTransaction();
            foreach (var r in state.RulesOf(Chain).Where(r => r.Comment == id))
                tx.DeleteRule(table, Chain, r.Handle, ifExists: true);
            any |= tx.Count > 0;
            tx.Apply(nft);
        }
        return any;
    }
}
