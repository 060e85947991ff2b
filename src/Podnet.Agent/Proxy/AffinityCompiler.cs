using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Services with ClientIP affinity, as kube-proxy's nftables mode does them: a chain per service
/// that sends a remembered client to its endpoint ("ip saddr @affinity-X goto endpoint-X") or
/// picks one, and a chain per endpoint that remembers the client ("update @affinity-X { ip saddr }",
/// a set whose timeout is the service's) and DNATs. Such a service adds chains, so changing it costs a
/// table validation — proportional to the number of affinity services only, as the rest are elements.
/// </summary>
public static class AffinityCompiler
{
    public static CompiledUnit Compile(ProxyConfig cfg, ServicePortInfo s, IReadOnlyList<EndpointInfo> endpoints)
    {
        var t = new NftTable(NftFamily.Ip, cfg.TableName);
        var u = new CompiledUnit();
        var name = s.Name;
        byte proto = name.Protocol;
        var timeout = s.AffinityTimeout ?? ServiceTranslator.DefaultAffinityTimeout;
        var clusterEps = ServiceCompiler.Usable(endpoints, s.InternalPolicyLocal);
        var externalEps = ServiceCompiler.Usable(endpoints, s.ExternalPolicyLocal);
        bool anyUsable = endpoints.Any(ServiceCompiler.Usable);
        var chosen = clusterEps.Concat(s.HasExternal ? externalEps : []).Distinct().OrderBy(e => e.ToString(), StringComparer.Ordinal).ToList();

        foreach (var ep in chosen)
        {
            u.Sets.Add(new NftSet(t, Affinity(name, ep), [NftDataType.Ipv4Addr], Flags: NftSetFlags.Dynamic, Timeout: timeout));
            u.Chains.Add(new FingerprintedChain(Endpoint(name, ep),
            [
                [new NftPayload(NftPayloadBase.Network, 12, 4), new NftDynset(Affinity(name, ep), NftDynsetOp.Update)],
                [.. NftMatch.L4Proto(proto), .. NftMatch.DnatTo(ep.Address, ep.Port)],
            ]));
        }

        if (s.ClusterIP is { } cip)
        {
            var key = NftKey.AddrProtoPort(cip, proto, s.Port);
            if (clusterEps.Count > 0)
            {
                var rules = new List<NftExpr[]>();
                if (cfg.ClusterCidr is { } cc) rules.Add([.. NftMatch.SaddrIn(cc, not: true), .. NftMatch.SetMarkBit(cfg.MasqueradeMark)]);
                rules.AddRange(Dispatch(name, clusterEps));
                u.Chains.Add(new FingerprintedChain(Service(name), rules));
                u.Entries.Add(new(AffinityIpsMap, new NftElement(key, NftVerdict.Goto(Service(name)))));
            }
            else if (s.InternalPolicyLocal && anyUsable) u.Entries.Add(new(AffinityIpsMap, new NftElement(key, NftVerdict.Drop)));
            else u.Entries.Add(ServiceCompiler.Member(NoEndpointIpsSet, key));
        }

        if (s.HasExternal)
        {
            bool dispatch = externalEps.Count > 0 || s.ExternalPolicyLocal && anyUsable;
            if (dispatch)
            {
                var rules = new List<NftExpr[]>();
                if (s.ExternalPolicyLocal)
                {
                    // The node itself and pods go cluster-wide, like ClusterIP traffic.
                    if (clusterEps.Count > 0 && s.ClusterIP is not null)
                    {
                        var local = BitConverter.GetBytes(NftFib.RtnLocal);
                        rules.Add([new NftFib(NftFibFlags.Saddr, NftFibResult.AddrType), new NftCmp(NftCmpOp.Eq, local),
                                   .. NftMatch.SetMarkBit(cfg.MasqueradeMark), NftMatch.Goto(Service(name))]);
                        if (cfg.ClusterCidr is { } cc) rules.Add([.. NftMatch.SaddrIn(cc), NftMatch.Goto(Service(name))]);
                    }
                }
                else rules.Add(NftMatch.SetMarkBit(cfg.MasqueradeMark));
                if (externalEps.Count > 0) rules.AddRange(Dispatch(name, externalEps));
                else rules.Add([NftMatch.Drop]);
                u.Chains.Add(new FingerprintedChain(External(name), rules));
            }
            var target = NftVerdict.Goto(External(name));
            foreach (var ip in s.ExternalAddresses.Distinct())
            {
                var key = NftKey.AddrProtoPort(ip, proto, s.Port);
                u.Entries.Add(dispatch ? new(AffinityIpsMap, new NftElement(key, target)) : ServiceCompiler.Member(NoEndpointIpsSet, key));
            }
            if (s.NodePort is { } np)
            {
                var key = NftKey.Concat(NftKey.Proto(proto), NftKey.Port(np));
                u.Entries.Add(dispatch ? new(AffinityNodePortsMap, new NftElement(key, target)) : ServiceCompiler.Member(NoEndpointNodePortsSet, key));
            }
        }
        ServiceCompiler.AddFirewall(u, s);
        u.Hairpins.AddRange(chosen.Select(e => e.Address).Distinct());
        return u;
    }

    /// <summary>Remembered clients first; then a uniform choice as a cascade: rule i takes the connection with probability 1/(N-i).</summary>
    private static IEnumerable<NftExpr[]> Dispatch(ServicePortName name, List<EndpointInfo> eps)
    {
        foreach (var ep in eps)
            yield return [new NftPayload(NftPayloadBase.Network, 12, 4), new NftLookup(Affinity(name, ep)), NftMatch.Goto(Endpoint(name, ep))];
        for (int i = 0; i < eps.Count - 1; i++)
            yield return [new NftNumgen((uint)(eps.Count - i)), new NftCmp(NftCmpOp.Eq, BitConverter.GetBytes(0u)), NftMatch.Goto(Endpoint(name, eps[i]))];
        yield return [NftMatch.Goto(Endpoint(name, eps[^1]))];
    }
}
