using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Nft;

/// <summary>The expression sequences the policy table uses (IPv4, table family ip).</summary>
public static class PolicyExprs
{
    private const uint SaddrOffset = 12, DaddrOffset = 16;

    /// <summary>The peer's address: the source for ingress, the destination for egress.</summary>
    public static NftExpr PeerAddr(Direction d) => new NftPayload(NftPayloadBase.Network, d == Direction.Ingress ? SaddrOffset : DaddrOffset, 4);

    /// <summary>"ip saddr @set" (ingress) / "ip daddr @set" (egress).</summary>
    public static NftExpr[] PeerIn(Direction d, string set) => [PeerAddr(d), new NftLookup(set)];

    /// <summary>The pod's own address as the peer: a pod is never blocked from itself (hairpin through a Service too).</summary>
    public static NftExpr[] PeerIs(Direction d, IPAddress self) => d == Direction.Ingress ? NftMatch.Saddr(self) : NftMatch.Daddr(self);

    /// <summary>"meta l4proto P [th dport N | th dport N-M]".</summary>
    public static NftExpr[] Port(PolicyPort p)
    {
        if (p.From is not { } from) return NftMatch.L4Proto(p.Protocol);
        ushort to = p.To ?? from;
        return [.. NftMatch.L4Proto(p.Protocol), .. to == from ? NftMatch.Dport(from) : NftMatch.DportRange(from, to)];
    }

    /// <summary>"ip daddr . meta l4proto . th dport @set": named ports resolved on the destination pod.</summary>
    public static NftExpr[] NamedPorts(string set) => [.. NftMatch.DaddrProtoDport(), new NftLookup(set, NftReg.R32(0))];

    /// <summary>"ip saddr vmap @map" / "ip daddr vmap @map".</summary>
    public static NftExpr[] Dispatch(Direction d, string map) =>
        [new NftPayload(NftPayloadBase.Network, d == Direction.Ingress ? DaddrOffset : SaddrOffset, 4), new NftLookup(map, NftReg.R1, NftReg.Verdict)];
}
