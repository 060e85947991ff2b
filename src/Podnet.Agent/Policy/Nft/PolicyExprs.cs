using Podnet.Agent.Policy.Model;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Nft;

/// <summary>The expression sequences the policy table uses (IPv4, table family ip).</summary>
public static class PolicyExprs
{
    private const uint SaddrOffset = 12, DaddrOffset = 16;

    /// <summary>The peer's address: the source for ingress, the destination for egress.</summary>
    private static uint PeerOffset(Direction d) => d == Direction.Ingress ? SaddrOffset : DaddrOffset;

    /// <summary>"ip saddr @set" (ingress) / "ip daddr @set" (egress).</summary>
    public static NftExpr[] PeerIn(Direction d, string set) => [new NftPayload(NftPayloadBase.Network, PeerOffset(d), 4), new NftLookup(set)];

    /// <summary>"ip saddr . meta l4proto . th dport @set" (ingress; daddr for egress).</summary>
    public static NftExpr[] PeerProtoDportIn(Direction d, string set) =>
        [.. NftMatch.AddrProtoDport(source: d == Direction.Ingress), new NftLookup(set, NftReg.R32(0))];

    /// <summary>"ip saddr . ip daddr @self": a pod's own traffic (hairpin through its Service too) is never blocked.</summary>
    public static NftExpr[] SelfIn(string set) =>
    [
        new NftPayload(NftPayloadBase.Network, SaddrOffset, 4, NftReg.R32(0)),
        new NftPayload(NftPayloadBase.Network, DaddrOffset, 4, NftReg.R32(1)),
        new NftLookup(set, NftReg.R32(0)),
    ];

    /// <summary>"ip saddr vmap @map" / "ip daddr vmap @map": the isolated pod's own address picks its class.</summary>
    public static NftExpr[] Dispatch(Direction d, string map) =>
        [new NftPayload(NftPayloadBase.Network, d == Direction.Ingress ? DaddrOffset : SaddrOffset, 4), new NftLookup(map, NftReg.R1, NftReg.Verdict)];
}
