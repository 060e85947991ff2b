using System.Net;
using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Turns one service port and its endpoints into chains, map entries and sets, following kube-proxy's
/// nftables mode: a per-service chain that picks an endpoint (numgen, or affinity first), a chain per
/// endpoint that DNATs, an external chain for NodePort/ExternalIP/LoadBalancer traffic, and map
/// entries that dispatch to them — or to reject/drop when no endpoint can take the traffic.
/// </summary>
public static class ServiceCompiler
{
    public static CompiledUnit Compile(ProxyConfig cfg, ServicePortInfo s, IReadOnlyList<EndpointInfo> endpoints)
    {
        var t = new NftTable(NftFamily.Ip, cfg.TableName);
        var u = new CompiledUnit();
        var name = s.Name;
        byte proto = name.Protocol;

        var clusterEps = Usable(endpoints, s.InternalPolicyLocal);
        var externalEps = Usable(endpoints, s.ExternalPolicyLocal);
        var chosen = clusterEps.Concat(s.HasExternal ? externalEps : []).Distinct().OrderBy(e => e.ToString(), StringComparer.Ordinal).ToList();

        foreach (var ep in chosen)
        {
            // Hairpin: a pod reaching itself through the service must see a rewritten source.
            List<NftExpr[]> rules = [[.. NftMatch.Saddr(ep.Address), .. NftMatch.SetMarkBit(cfg.MasqueradeMark)]];
            if (s.AffinityTimeout is { } to)
            {
                u.Sets.Add(new NftSet(t, Affinity(name, ep), [NftDataType.Ipv4Addr], Flags: NftSetFlags.Dynamic, Timeout: to));
                rules.Add([new NftPayload(NftPayloadBase.Network, 12, 4), new NftDynset(Affinity(name, ep), NftDynsetOp.Update)]);
            }
            rules.Add([.. NftMatch.L4Proto(proto), .. NftMatch.DnatTo(ep.Address, ep.Port)]);
            u.Chains.Add(new CompiledChain(Endpoint(name, ep), rules));
        }

        if (s.ClusterIP is { } cip)
        {
            var key = NftKey.AddrProtoPort(cip, proto, s.Port);
            if (clusterEps.Count > 0)
            {
                var rules = new List<NftExpr[]>();
                if (cfg.ClusterCidr is { } cc)
                    rules.Add([.. NftMatch.SaddrIn(cc, not: true), .. NftMatch.SetMarkBit(cfg.MasqueradeMark)]);
                rules.AddRange(Dispatch(name, clusterEps, s.AffinityTimeout is not null));
                u.Chains.Add(new CompiledChain(Service(name), rules));
                u.Entries.Add(new(ServiceIpsMap, new NftElement(key, NftVerdict.Goto(Service(name)))));
            }
            else
            {
                // kube-proxy: reject, except internalTrafficPolicy Local without local endpoints drops.
                var v = s.InternalPolicyLocal && endpoints.Any(Usable) ? NftVerdict.Drop : NftVerdict.Goto(Reject);
                u.Entries.Add(new(NoEndpointServicesMap, new NftElement(key, v)));
            }
        }

        if (s.HasExternal)
        {
            if (externalEps.Count > 0)
            {
                var rules = new List<NftExpr[]>();
                if (s.ExternalPolicyLocal)
                {
                    // Pods reaching an external address of the service go cluster-wide, like ClusterIP traffic.
                    if (cfg.ClusterCidr is { } cc && clusterEps.Count > 0)
                        rules.Add([.. NftMatch.SaddrIn(cc), NftMatch.Goto(Service(name))]);
                }
                else rules.Add([.. NftMatch.SetMarkBit(cfg.MasqueradeMark)]);
                rules.AddRange(Dispatch(name, externalEps, s.AffinityTimeout is not null));
                u.Chains.Add(new CompiledChain(External(name), rules));
            }
            var target = externalEps.Count > 0 ? NftVerdict.Goto(External(name))
                : s.ExternalPolicyLocal && endpoints.Any(Usable) ? NftVerdict.Drop : NftVerdict.Goto(Reject);
            bool noEps = externalEps.Count == 0;
            foreach (var ip in s.ExternalAddresses.Distinct())
                u.Entries.Add(new(noEps ? NoEndpointServicesMap : ServiceIpsMap, new NftElement(NftKey.AddrProtoPort(ip, proto, s.Port), target)));
            if (s.NodePort is { } np)
                u.Entries.Add(new(noEps ? NoEndpointNodePortsMap : NodePortsMap, new NftElement(NftKey.Concat(NftKey.Proto(proto), NftKey.Port(np)), target)));

            if (s.LoadBalancerSourceRanges is { Count: > 0 } ranges && s.LoadBalancerIPs is { Count: > 0 } lbs)
            {
                var rules = ranges.Select(r => (NftExpr[])[.. NftMatch.SaddrIn(r), NftMatch.Return]).ToList();
                rules.Add([NftMatch.Drop]);
                u.Chains.Add(new CompiledChain(Firewall(name), rules));
                foreach (var ip in lbs.Distinct())
                    u.Entries.Add(new(FirewallIpsMap, new NftElement(NftKey.AddrProtoPort(ip, proto, s.Port), NftVerdict.Goto(Firewall(name)))));
            }
        }
        return u;
    }

    private static bool Usable(EndpointInfo e) => e.Ready || e.Serving && e.Terminating;

    /// <summary>
    /// Endpoints that get new connections: ready ones; if none is ready, serving-but-terminating
    /// ones (kube-proxy's rule, so that a rolling update does not drop traffic). Local-only when asked.
    /// </summary>
    public static List<EndpointInfo> Usable(IReadOnlyList<EndpointInfo> eps, bool localOnly)
    {
        var candidates = eps.Where(e => !localOnly || e.IsLocal).ToList();
        var ready = candidates.Where(e => e.Ready && !e.Terminating).ToList();
        if (ready.Count == 0) ready = candidates.Where(e => e.Serving && e.Terminating).ToList();
        return ready.DistinctBy(e => e.ToString()).OrderBy(e => e.ToString(), StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<NftExpr[]> Dispatch(ServicePortName name, List<EndpointInfo> eps, bool affinity)
    {
        if (affinity)
            foreach (var ep in eps)
                yield return [new NftPayload(NftPayloadBase.Network, 12, 4), new NftLookup(Affinity(name, ep)), NftMatch.Goto(Endpoint(name, ep))];
        // Uniform choice as a cascade: rule i takes the connection with probability 1/(N-i). An
        // anonymous "numgen vmap" per service would be one rule, but the kernel's loop check walks
        // every verdict map of the table on each jump it adds, which makes programming quadratic.
        for (int i = 0; i < eps.Count - 1; i++)
            yield return [new NftNumgen((uint)(eps.Count - i)), new NftCmp(NftCmpOp.Eq, BitConverter.GetBytes(0u)), NftMatch.Goto(Endpoint(name, eps[i]))];
        yield return [NftMatch.Goto(Endpoint(name, eps[^1]))];
    }
}
