using System.Net;
using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Proxy;

/// <summary>How big the fixed part has to be: endpoint choice for lists of 1..MaxCount endpoints.</summary>
public sealed record SkeletonShape(int MaxCount)
{
    public static int CountFor(int n) => Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(n, 1)));
}

/// <summary>
/// The fixed rule set of the proxy. Services without affinity add no rule and no chain: they are
/// elements of sets and data maps, so adding or changing one never makes the kernel re-validate
/// the table (it does, walking every chain reachable through jumps and verdict maps, whenever a
/// commit adds a rule or a jump/goto element). In nft terms:
/// <code>
/// services:  ip daddr . meta l4proto . th dport vmap @affinity-service-ips      (affinity services only)
///            ip daddr . meta l4proto . th dport @cluster-ips goto cluster          (and external, external-local)
/// cluster:   ip saddr != CLUSTER-CIDR meta mark set meta mark | 0x4000; goto ip-pick
/// ip-pick:   ip daddr . meta l4proto . th dport @ip-count-2 dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @ip-endpoints
///            ... one rule per endpoint count; then drop (no endpoint for this traffic)
/// </code>
/// Every lookup is a hash lookup; only the first packet of a connection passes here (conntrack).
/// </summary>
public static class Skeleton
{
    private static uint R(int n) => NftReg.R32(n);

    public static IEnumerable<NftSet> Sets(NftTable t, SkeletonShape shape)
    {
        var ipKey = ProxyData.AddrProtoPort;
        var npKey = ProxyData.ProtoPort;
        yield return new(t, ClusterIpsSet, ipKey, Comment: "ClusterIPs");
        yield return new(t, ExternalIpsSet, ipKey, Comment: "external and load-balancer addresses, policy Cluster");
        yield return new(t, ExternalLocalIpsSet, ipKey, Comment: "external and load-balancer addresses, policy Local");
        yield return new(t, NodePortsSet, npKey, Comment: "nodeports, policy Cluster");
        yield return new(t, NodePortsLocalSet, npKey, Comment: "nodeports, policy Local");
        yield return new(t, AffinityIpsMap, ipKey, NftDataType.Verdict, Comment: "services with ClientIP affinity");
        yield return new(t, AffinityNodePortsMap, npKey, NftDataType.Verdict, Comment: "nodeports with ClientIP affinity");
        yield return new(t, NoEndpointIpsSet, ipKey, Comment: "service addresses without endpoints");
        yield return new(t, NoEndpointNodePortsSet, npKey, Comment: "nodeports without endpoints");
        yield return new(t, FirewallIpsSet, ipKey, Comment: "load-balancer addresses with loadBalancerSourceRanges");
        yield return new(t, FirewallAllowSet, ProxyData.AddrProtoPortSource, Flags: NftSetFlags.Interval, Comment: "loadBalancerSourceRanges");
        yield return new(t, HairpinSet, ProxyData.AddrAddr, Comment: "endpoint . endpoint (hairpin)");
        foreach (var d in new[] { Ip, Np })
            foreach (var cs in new[] { false, true })
            {
                yield return new(t, Endpoints(d, cs), d == Ip ? ProxyData.AddrProtoPortIndex : ProxyData.ProtoPortIndex, ProxyData.AddrPort,
                    Comment: cs ? "(key . index) -> cluster endpoint, for pods and the node (policy Local)" : "(key . index) -> endpoint");
                for (int n = 1; n <= shape.MaxCount; n++) yield return new(t, Count(d, cs, n), d == Ip ? ipKey : npKey);
            }
    }

    /// <summary>The key into consecutive 32-bit registers from 0, as nft loads a concatenation.</summary>
    private static NftExpr[] LoadKey(string d) => d == Ip
        ? NftMatch.DaddrProtoDport()
        : [new NftMeta(NftMetaKey.L4Proto, R(0)), new NftPayload(NftPayloadBase.Transport, 2, 2, R(1))];

    private static int KeyRegs(string d) => d == Ip ? 3 : 2;

    private static NftExpr[] KeyIn(string d, string set) => [.. LoadKey(d), new NftLookup(set, R(0))];

    private static NftExpr[] NodeLocal() =>
        [.. NftMatch.DaddrIsLocal(), .. NftMatch.DaddrIn(IPNetwork.Parse("127.0.0.0/8"), not: true)];

    private static NftExpr[] SaddrIsLocal()
        => [new NftFib(NftFibFlags.Saddr, NftFibResult.AddrType), new NftCmp(NftCmpOp.Eq, BitConverter.GetBytes(NftFib.RtnLocal))];

    /// <summary>One rule per endpoint count: "key @count-n dnat ip to key . numgen random mod n map @endpoints".</summary>
    private static FingerprintedChain PickChain(string d, bool cs, SkeletonShape shape)
    {
        var rules = new List<NftExpr[]>();
        for (int n = 1; n <= shape.MaxCount; n++)
            rules.Add(
            [
                .. KeyIn(d, Count(d, cs, n)),
                new NftNumgen((uint)n, NftNumgenType.Random, R(KeyRegs(d))),
                new NftLookup(Endpoints(d, cs), R(0), R(0)),
                new NftNat(NftNatType.Dnat, NftFamily.Ip, R(0), R(1)),
            ]);
        // In no count set: no endpoint for this traffic (policy Local without a local one). Other nodes may serve it.
        rules.Add([NftMatch.Drop]);
        return new FingerprintedChain(Pick(d, cs), rules);
    }

    public static CompiledUnit Build(ProxyConfig cfg, SkeletonShape shape)
    {
        var t = new NftTable(NftFamily.Ip, cfg.TableName);
        var u = new CompiledUnit();
        u.Sets.AddRange(Sets(t, shape));
        var masq = NftMatch.SetMarkBit(cfg.MasqueradeMark);

        u.Chains.Add(new(Services,
        [
            [.. LoadKey(Ip), new NftLookup(AffinityIpsMap, R(0), NftReg.Verdict)],
            [.. KeyIn(Ip, ClusterIpsSet), NftMatch.Goto(Behaviour(Ip, "cluster"))],
            [.. KeyIn(Ip, ExternalIpsSet), NftMatch.Goto(Behaviour(Ip, "external"))],
            [.. KeyIn(Ip, ExternalLocalIpsSet), NftMatch.Goto(Behaviour(Ip, "external-local"))],
            [.. NodeLocal(), NftMatch.Goto(NodePorts)],
        ]));
        u.Chains.Add(new(NodePorts,
        [
            [.. LoadKey(Np), new NftLookup(AffinityNodePortsMap, R(0), NftReg.Verdict)],
            [.. KeyIn(Np, NodePortsSet), NftMatch.Goto(Behaviour(Np, "external"))],
            [.. KeyIn(Np, NodePortsLocalSet), NftMatch.Goto(Behaviour(Np, "external-local"))],
        ]));
        var cluster = new List<NftExpr[]>();
        if (cfg.ClusterCidr is { } cc) cluster.Add([.. NftMatch.SaddrIn(cc, not: true), .. masq]);
        cluster.Add([NftMatch.Goto(Pick(Ip, false))]);
        u.Chains.Add(new(Behaviour(Ip, "cluster"), cluster));
        foreach (var d in new[] { Ip, Np })
        {
            u.Chains.Add(new(Behaviour(d, "external"), [masq, [NftMatch.Goto(Pick(d, false))]]));
            // Policy Local keeps the client's address and uses local endpoints only; the node itself
            // and pods still reach the service through any endpoint (as kube-proxy does).
            List<NftExpr[]> local = [[.. SaddrIsLocal(), .. masq, NftMatch.Goto(Pick(d, true))]];
            if (cfg.ClusterCidr is { } pods) local.Add([.. NftMatch.SaddrIn(pods), NftMatch.Goto(Pick(d, true))]);
            local.Add([NftMatch.Goto(Pick(d, false))]);
            u.Chains.Add(new(Behaviour(d, "external-local"), local));
            u.Chains.Add(PickChain(d, false, shape));
            u.Chains.Add(PickChain(d, true, shape));
        }

        u.Chains.Add(new(Masquerading,
        [
            [new NftPayload(NftPayloadBase.Network, 12, 4, R(0)), new NftPayload(NftPayloadBase.Network, 16, 4, R(1)), new NftLookup(HairpinSet, R(0)), .. masq],
            [.. NftMatch.MarkHas(cfg.MasqueradeMark, not: true), NftMatch.Return],
            // Clear the bit so that a packet masqueraded here is not marked again elsewhere.
            [new NftMeta(NftMetaKey.Mark), new NftBitwise(4, BitConverter.GetBytes(~cfg.MasqueradeMark), new byte[4]), new NftMetaSet(NftMetaKey.Mark),
             new NftMasquerade(NftNatFlags.FullyRandom)],
        ]));
        u.Chains.Add(new(Reject, [[new NftReject()]]));
        u.Chains.Add(new(EndpointsCheck,
        [
            [.. KeyIn(Ip, NoEndpointIpsSet), NftMatch.Goto(Reject)],
            [.. NodeLocal(), .. KeyIn(Np, NoEndpointNodePortsSet), NftMatch.Goto(Reject)],
        ]));
        u.Chains.Add(new(FirewallCheck,
        [
            [.. KeyIn(Ip, FirewallIpsSet), new NftPayload(NftPayloadBase.Network, 12, 4, R(3)),
             new NftLookup(FirewallAllowSet, R(0), Invert: true), NftMatch.Drop],
        ]));

        NftExpr[] ctNew = NftMatch.CtState(NftCtState.New);
        u.Chains.Add(new("nat-prerouting", [[NftMatch.Jump(Services)]], new(NftChainType.Nat, NftHook.Prerouting, NftBaseChain.DstNat)));
        u.Chains.Add(new("nat-output", [[NftMatch.Jump(Services)]], new(NftChainType.Nat, NftHook.Output, NftBaseChain.DstNat)));
        u.Chains.Add(new("nat-postrouting", [[NftMatch.Jump(Masquerading)]], new(NftChainType.Nat, NftHook.Postrouting, NftBaseChain.SrcNat)));
        // Reject and firewall before DNAT: a node without a route for the service CIDR must still answer.
        u.Chains.Add(new("filter-prerouting-pre-dnat", [[.. ctNew, NftMatch.Jump(FirewallCheck)], [.. ctNew, NftMatch.Jump(EndpointsCheck)]],
            new(NftChainType.Filter, NftHook.Prerouting, NftBaseChain.DstNat - 10)));
        u.Chains.Add(new("filter-output-pre-dnat", [[.. ctNew, NftMatch.Jump(FirewallCheck)]], new(NftChainType.Filter, NftHook.Output, NftBaseChain.DstNat - 10)));
        u.Chains.Add(new("filter-output", [[.. ctNew, NftMatch.Jump(EndpointsCheck)]], new(NftChainType.Filter, NftHook.Output, NftBaseChain.Filter)));
        return u;
    }
}
