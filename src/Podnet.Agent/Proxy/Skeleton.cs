using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Proxy;

/// <summary>
/// The fixed part of the proxy's table: hooks, dispatch chains and the verdict maps that every
/// service fills. Data-path cost does not grow with the number of services: one map lookup each.
/// </summary>
public static class Skeleton
{
    private static readonly NftDataType[] AddrProtoPort = [NftDataType.Ipv4Addr, NftDataType.InetProto, NftDataType.InetService];
    private static readonly NftDataType[] ProtoPort = [NftDataType.InetProto, NftDataType.InetService];

    public static IReadOnlyList<NftSet> Maps(NftTable t) =>
    [
        new(t, ServiceIpsMap, AddrProtoPort, NftDataType.Verdict, Comment: "ClusterIP, ExternalIP and LoadBalancer IP dispatch"),
        new(t, NodePortsMap, ProtoPort, NftDataType.Verdict, Comment: "NodePort dispatch"),
        new(t, NoEndpointServicesMap, AddrProtoPort, NftDataType.Verdict, Comment: "services without endpoints"),
        new(t, NoEndpointNodePortsMap, ProtoPort, NftDataType.Verdict, Comment: "nodeports without endpoints"),
        new(t, FirewallIpsMap, AddrProtoPort, NftDataType.Verdict, Comment: "loadBalancerSourceRanges"),
    ];

    /// <summary>"meta l4proto . th dport vmap @map" (registers 8, 9).</summary>
    public static NftExpr[] ProtoPortVmap(string map) =>
    [
        new NftMeta(NftMetaKey.L4Proto, NftReg.R32(0)),
        new NftPayload(NftPayloadBase.Transport, 2, 2, NftReg.R32(1)),
        new NftLookup(map, NftReg.R32(0), NftReg.Verdict),
    ];

    private static NftExpr[] NotLoopback() => NftMatch.DaddrIn(System.Net.IPNetwork.Parse("127.0.0.0/8"), not: true);

    public static CompiledUnit Build(ProxyConfig cfg)
    {
        var t = new NftTable(NftFamily.Ip, cfg.TableName);
        var u = new CompiledUnit();
        u.Sets.AddRange(Maps(t));
        NftExpr[] ctNew = NftMatch.CtState(NftCtState.New);
        u.Chains.Add(new(Services,
        [
            NftMatch.DaddrProtoDportVmap(ServiceIpsMap),
            [.. NftMatch.DaddrIsLocal(), .. NotLoopback(), .. ProtoPortVmap(NodePortsMap)],
        ]));
        u.Chains.Add(new(MarkForMasq, [NftMatch.SetMarkBit(cfg.MasqueradeMark)]));
        u.Chains.Add(new(Masquerading,
        [
            [.. NftMatch.MarkHas(cfg.MasqueradeMark, not: true), NftMatch.Return],
            // Clear the bit so that a packet masqueraded here is not marked again elsewhere.
            [new NftMeta(NftMetaKey.Mark), new NftBitwise(4, BitConverter.GetBytes(~cfg.MasqueradeMark), new byte[4]), new NftMetaSet(NftMetaKey.Mark),
             new NftMasquerade(NftNatFlags.FullyRandom)],
        ]));
        u.Chains.Add(new(Reject, [[new NftReject()]]));
        u.Chains.Add(new(EndpointsCheck,
        [
            NftMatch.DaddrProtoDportVmap(NoEndpointServicesMap),
            [.. NftMatch.DaddrIsLocal(), .. NotLoopback(), .. ProtoPortVmap(NoEndpointNodePortsMap)],
        ]));
        u.Chains.Add(new(FirewallCheck, [NftMatch.DaddrProtoDportVmap(FirewallIpsMap)]));

        u.Chains.Add(new("nat-prerouting", [[NftMatch.Jump(Services)]], new(NftChainType.Nat, NftHook.Prerouting, NftBaseChain.DstNat)));
        u.Chains.Add(new("nat-output", [[NftMatch.Jump(Services)]], new(NftChainType.Nat, NftHook.Output, NftBaseChain.DstNat)));
        u.Chains.Add(new("nat-postrouting", [[NftMatch.Jump(Masquerading)]], new(NftChainType.Nat, NftHook.Postrouting, NftBaseChain.SrcNat)));
        // Reject before routing: a node without a route for the service CIDR must still answer.
        u.Chains.Add(new("filter-prerouting-pre-dnat", [[.. ctNew, NftMatch.Jump(FirewallCheck)], [.. ctNew, NftMatch.Jump(EndpointsCheck)]],
            new(NftChainType.Filter, NftHook.Prerouting, NftBaseChain.DstNat - 10)));
        u.Chains.Add(new("filter-output-pre-dnat", [[.. ctNew, NftMatch.Jump(FirewallCheck)]], new(NftChainType.Filter, NftHook.Output, NftBaseChain.DstNat - 10)));
        u.Chains.Add(new("filter-output", [[.. ctNew, NftMatch.Jump(EndpointsCheck)]], new(NftChainType.Filter, NftHook.Output, NftBaseChain.Filter)));
        return u;
    }
}
