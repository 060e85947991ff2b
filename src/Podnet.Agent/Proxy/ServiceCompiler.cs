using System.Net;
using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Turns one service port and its endpoints into what the table needs, with kube-proxy's semantics:
/// which behaviour each address and nodeport gets (ClusterIP, external with policy Cluster or
/// Local), its endpoint lists, reject when nothing can take the traffic, the source ranges that
/// guard load-balancer addresses, and hairpin entries. Services without affinity are elements
/// only (see <see cref="Skeleton"/>); services with affinity get chains (<see cref="AffinityCompiler"/>).
/// </summary>
public static class ServiceCompiler
{
    public static CompiledUnit Compile(ProxyConfig cfg, ServicePortInfo s, IReadOnlyList<EndpointInfo> endpoints)
    {
        if (s.AffinityTimeout is not null) return AffinityCompiler.Compile(cfg, s, endpoints);
        var u = new CompiledUnit();
        byte proto = s.Name.Protocol;
        var clusterEps = Usable(endpoints, s.InternalPolicyLocal);
        var externalEps = Usable(endpoints, s.ExternalPolicyLocal);
        bool anyUsable = endpoints.Any(Usable);

        if (s.ClusterIP is { } cip)
        {
            var key = ProxyData.Key(Ip, cip, proto, s.Port);
            // kube-proxy: reject without endpoints; internalTrafficPolicy Local without a local one drops (no count).
            if (clusterEps.Count > 0 || s.InternalPolicyLocal && anyUsable)
            {
                u.Entries.Add(Member(ClusterIpsSet, key));
                AddList(u, Ip, false, key, clusterEps);
            }
            else u.Entries.Add(Member(NoEndpointIpsSet, key));
        }

        if (s.HasExternal)
        {
            // Policy Local without a local endpoint is still dispatched: external clients are dropped
            // (no count), pods and the node go to the cluster side.
            bool dispatch = externalEps.Count > 0 || s.ExternalPolicyLocal && anyUsable;
            var keys = s.ExternalAddresses.Distinct().Select(ip => (Ip, ProxyData.Key(Ip, ip, proto, s.Port))).ToList();
            if (s.NodePort is { } np) keys.Add((Np, ProxyData.Key(Np, null, proto, np)));
            foreach (var (d, key) in keys)
            {
                if (!dispatch)
                {
                    u.Entries.Add(Member(d == Ip ? NoEndpointIpsSet : NoEndpointNodePortsSet, key));
                    continue;
                }
                u.Entries.Add(Member(d == Ip ? s.ExternalPolicyLocal ? ExternalLocalIpsSet : ExternalIpsSet
                                             : s.ExternalPolicyLocal ? NodePortsLocalSet : NodePortsSet, key));
                AddList(u, d, false, key, externalEps);
                if (s.ExternalPolicyLocal) AddList(u, d, true, key, clusterEps);
            }
        }
        AddFirewall(u, s);
        u.Hairpins.AddRange(clusterEps.Concat(externalEps).Select(e => e.Address).Distinct());
        return u;
    }

    /// <summary>The key in the count set of its list's length, and the list as (key . index) -> endpoint.</summary>
    private static void AddList(CompiledUnit u, string d, bool clusterSide, byte[] key, List<EndpointInfo> eps)
    {
        if (eps.Count == 0) return;
        u.Entries.Add(Member(Count(d, clusterSide, eps.Count), key));
        for (int i = 0; i < eps.Count; i++)
            u.Entries.Add(new(Endpoints(d, clusterSide), new NftElement(ProxyData.Indexed(key, i), Data: ProxyData.AddrPortData(eps[i]))));
        u.LargestList = Math.Max(u.LargestList, eps.Count);
    }

    internal static void AddFirewall(CompiledUnit u, ServicePortInfo s)
    {
        if (s.LoadBalancerSourceRanges is not { Count: > 0 } ranges || s.LoadBalancerIPs is not { Count: > 0 } lbs) return;
        foreach (var ip in lbs.Distinct())
        {
            u.Entries.Add(Member(FirewallIpsSet, NftKey.AddrProtoPort(ip, s.Name.Protocol, s.Port)));
            foreach (var r in ranges)
            {
                var (start, end) = ProxyData.SourceRange(ip, s.Name.Protocol, s.Port, r);
                u.Entries.Add(new(FirewallAllowSet, new NftElement(start) { KeyEnd = end }));
            }
        }
    }

    internal static MapEntry Member(string set, byte[] key) => new(set, new NftElement(key));

    internal static bool Usable(EndpointInfo e) => e.Ready || e.Serving && e.Terminating;

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
}
