using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Api.Selectors;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Compile;

/// <summary>
/// Holds the cluster's pods, namespaces and policies and turns them into table units: the fixed
/// skeleton, one unit per <em>class</em> and one per local pod (its dispatch entries). A class is
/// what one direction of an isolated pod depends on — the policies selecting it (and, for ingress,
/// what their named ports mean on it) — so pods isolated alike share one chain and its sets, and a
/// new connection costs the same few lookups however many policies select the pod. Changes mark
/// only what they can affect: a pod change is matched against every policy's selectors once, and
/// only the classes of policies whose view of that pod flips are recompiled.
/// </summary>
public sealed partial class PolicyCompiler(NftTable table, string nodeName)
{
    public const string SkeletonKey = "skeleton";
    private static readonly Direction[] Both = [Direction.Ingress, Direction.Egress];
    public static string ClassUnitKey(Direction d, string classKey) => "class:" + PolicyNames.Dir(d) + ":" + classKey;
    public static string PodKey(IPAddress ip) => "pod:" + ip;

    private readonly Dictionary<string, PodInfo> _pods = [];
    private readonly Dictionary<string, Dictionary<string, PodInfo>> _podsByNs = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _nsLabels = [];
    private readonly Dictionary<string, PolicyInfo> _policies = [];
    private readonly Dictionary<string, Dictionary<string, PolicyInfo>> _policiesByNs = [];
    private readonly Dictionary<IPAddress, HashSet<string>> _localByIp = [];

    private readonly HashSet<string> _dirtyPolicies = [];
    private readonly HashSet<IPAddress> _dirtyIps = [];
    private bool _skeletonDirty = true;

    public NftTable Table => table;
    public int PodCount => _pods.Count;
    public int PolicyCount => _policies.Count;
    public bool HasChanges => _skeletonDirty || _dirtyPolicies.Count > 0 || _dirtyIps.Count > 0 || _dirtyClasses.Count > 0;

    /// <summary>Classes in use (each with at least one local pod).</summary>
    public int ClassCount => _classes.Count;

    private bool IsLocal(PodInfo p) => p.NodeName == nodeName;

    // ---- inputs ----

    public void UpsertPod(PodInfo pod)
    {
        _pods.TryGetValue(pod.Key, out var old);
        if (old == pod) return;
        if (old is not null) Unindex(old);
        _pods[pod.Key] = pod;
        Bucket(_podsByNs, pod.Namespace)[pod.Key] = pod;
        if (IsLocal(pod)) { if (!_localByIp.TryGetValue(pod.Ip, out var s)) _localByIp[pod.Ip] = s = []; s.Add(pod.Key); }
        PodChanged(old, pod);
    }

    public void RemovePod(string key)
    {
        if (!_pods.Remove(key, out var old)) return;
        Unindex(old);
        PodChanged(old, null);
    }

    private void Unindex(PodInfo p)
    {
        if (_podsByNs.TryGetValue(p.Namespace, out var d)) { d.Remove(p.Key); if (d.Count == 0) _podsByNs.Remove(p.Namespace); }
        if (_localByIp.TryGetValue(p.Ip, out var s)) { s.Remove(p.Key); if (s.Count == 0) _localByIp.Remove(p.Ip); }
    }

    /// <summary>Sets a namespace's labels (null: the namespace is gone).</summary>
    public void SetNamespace(string name, IReadOnlyDictionary<string, string>? labels)
    {
        var before = NsLabels(name);
        if (labels is null) _nsLabels.Remove(name);
        else _nsLabels[name] = PolicyParser.NamespaceLabels(name, labels);
        var after = NsLabels(name);
        if (SameLabels(before, after)) return;
        foreach (var p in _policies.Values)
            if (Rules(p).Any(r => r.Rule.Peers?.Any(x => x.Namespaces is { } ns && (ns.Matches(before) || ns.Matches(after))) == true))
                _dirtyPolicies.Add(p.Key);
    }

    public void UpsertPolicy(PolicyInfo p)
    {
        _policies.TryGetValue(p.Key, out var old);
        if (old is not null && Same(old, p)) return;
        _policies[p.Key] = p;
        Bucket(_policiesByNs, p.Namespace)[p.Key] = p;
        PolicyChanged(p.Namespace, p.Key);
    }

    public void RemovePolicy(string key)
    {
        if (!_policies.Remove(key, out var old)) return;
        if (_policiesByNs.TryGetValue(old.Namespace, out var d)) { d.Remove(key); if (d.Count == 0) _policiesByNs.Remove(old.Namespace); }
        PolicyChanged(old.Namespace, key);
    }

    /// <summary>Marks every unit for recompilation (after a restore from the kernel).</summary>
    public void MarkAll()
    {
        _skeletonDirty = true;
        _dirtyPolicies.UnionWith(_policies.Keys);
        _dirtyIps.UnionWith(_localByIp.Keys);
        _dirtyClasses.UnionWith(_classes.Keys);
    }

    private void PolicyChanged(string ns, string key)
    {
        _dirtyPolicies.Add(key);
        if (_podsByNs.TryGetValue(ns, out var pods))
            foreach (var pod in pods.Values) if (IsLocal(pod)) _dirtyIps.Add(pod.Ip);
    }

    private void PodChanged(PodInfo? old, PodInfo? now)
    {
        if (old is not null && IsLocal(old)) _dirtyIps.Add(old.Ip);
        if (now is not null && IsLocal(now)) _dirtyIps.Add(now.Ip);
        bool sameAddr = old is not null && now is not null && old.Ip.Equals(now.Ip) && old.Ports.SequenceEqual(now.Ports);
        foreach (var p in _policies.Values)
        {
            if (_dirtyPolicies.Contains(p.Key)) continue;
            ulong a = old is null ? 0 : Relevance(p, old), b = now is null ? 0 : Relevance(p, now);
            // Two bits per rule: beyond 32 rules they alias (a peer moving from rule 0 to rule 32
            // looks unchanged), so there any relevance counts as a change.
            bool aliased = p.IngressRules.Count + p.EgressRules.Count > 32;
            if (a != b || (a != 0 && (!sameAddr || aliased))) _dirtyPolicies.Add(p.Key);
        }
    }

    /// <summary>
    /// What of a policy's class content the pod is part of, as bits (0: nothing): per rule, whether
    /// it is a selector peer, and whether its named ports count (egress rules: the peer resolves the
    /// name; an ingress target's named ports are part of its class key instead).
    /// </summary>
    private ulong Relevance(PolicyInfo p, PodInfo pod)
    {
        ulong bits = 0;
        int n = 0;
        foreach (var (d, _, rule) in Rules(p))
        {
            bool peer = rule.Peers is { } peers && peers.Any(x => x.IsSelector && PeerMatches(p, x, pod));
            bool namedDest = d == Direction.Egress && rule.Ports?.Any(x => x.IsNamed) == true
                && (rule.Peers is null || peer || rule.Peers.Any(x => x.Block is { } b && b.Cidr.Contains(pod.Ip) && !b.Except.Any(e => e.Contains(pod.Ip))));
            if (peer) bits |= 1UL << (n % 64);
            if (namedDest) bits |= 1UL << ((n + 1) % 64);
            n += 2;
        }
        return bits;
    }

    // ---- compilation ----

    /// <summary>Compiles every unit marked dirty; null output means the unit is gone.</summary>
    public List<(string Key, UnitOutput? Output)> Drain()
    {
        var list = new List<(string, UnitOutput?)>();
        if (_skeletonDirty) list.Add((SkeletonKey, Skeleton()));
        // Pods first: they may move between classes, create classes and leave some empty.
        foreach (var ip in _dirtyIps) list.Add((PodKey(ip), CompilePod(ip)));
        foreach (var key in _dirtyPolicies)
            if (_classesByPolicy.TryGetValue(key, out var cs)) _dirtyClasses.UnionWith(cs);
        foreach (var id in _dirtyClasses)
            list.Add((id, _classes.TryGetValue(id, out var c) ? CompileClass(c) : null));
        _skeletonDirty = false;
        _dirtyPolicies.Clear();
        _dirtyIps.Clear();
        _dirtyClasses.Clear();
        return list;
    }

    public UnitOutput Skeleton()
    {
        var u = new UnitOutput();
        u.Sets.Add(new(new NftSet(table, PolicyNames.IngressMap, [NftDataType.Ipv4Addr], NftDataType.Verdict, Comment: "isolated local pods: ingress class"), []));
        u.Sets.Add(new(new NftSet(table, PolicyNames.EgressMap, [NftDataType.Ipv4Addr], NftDataType.Verdict, Comment: "isolated local pods: egress class"), []));
        u.Sets.Add(new(new NftSet(table, PolicyNames.SelfSet, [NftDataType.Ipv4Addr, NftDataType.Ipv4Addr], Comment: "isolated local pods: own traffic"), []));
        NftExpr[] replies = [.. NftMatch.CtState(NftCtState.Established | NftCtState.Related), NftMatch.Accept];
        // Two base chains on the forward hook: an accept in the first (egress of the source pod)
        // ends only that chain, so the packet still meets the second (ingress of the destination).
        // Forward runs after the proxy's DNAT: Service traffic is checked against the real pod and port.
        u.Chains.Add(new FingerprintedChain(PolicyNames.EgressBase, [replies, PolicyExprs.Dispatch(Direction.Egress, PolicyNames.EgressMap)],
            new NftBaseChain(NftChainType.Filter, NftHook.Forward, NftBaseChain.Filter)));
        u.Chains.Add(new FingerprintedChain(PolicyNames.IngressBase, [replies, PolicyExprs.Dispatch(Direction.Ingress, PolicyNames.IngressMap)],
            new NftBaseChain(NftChainType.Filter, NftHook.Forward, NftBaseChain.Filter + 1)));
        return u;
    }

    // ---- selection ----

    private IReadOnlyDictionary<string, string> NsLabels(string ns)
        => _nsLabels.TryGetValue(ns, out var l) ? l : PolicyParser.NamespaceLabels(ns, null);

    private static bool Selects(PolicyInfo p, PodInfo pod) => pod.Namespace == p.Namespace && p.PodSelector.Matches(pod.Labels);

    private bool PeerMatches(PolicyInfo p, Peer peer, PodInfo pod)
    {
        if (!peer.IsSelector) return false;
        if (peer.Namespaces is null) return pod.Namespace == p.Namespace && (peer.Pods ?? LabelSelector.Everything).Matches(pod.Labels);
        return peer.Namespaces.Matches(NsLabels(pod.Namespace)) && (peer.Pods ?? LabelSelector.Everything).Matches(pod.Labels);
    }

    private IEnumerable<PodInfo> PeerPods(PolicyInfo p, IReadOnlyList<Peer> peers)
    {
        foreach (var peer in peers)
        {
            if (!peer.IsSelector) continue;
            IEnumerable<string> namespaces = peer.Namespaces is null ? [p.Namespace]
                : _podsByNs.Keys.Where(ns => peer.Namespaces.Matches(NsLabels(ns)));
            var podSel = peer.Pods ?? LabelSelector.Everything;
            foreach (var ns in namespaces)
                if (_podsByNs.TryGetValue(ns, out var pods))
                    foreach (var pod in pods.Values)
                        if (podSel.Matches(pod.Labels)) yield return pod;
        }
    }

    private static IEnumerable<(Direction D, int I, PolicyRule Rule)> Rules(PolicyInfo p)
    {
        foreach (var d in Both)
            if (p.Has(d))
                for (int i = 0; i < p.Rules(d).Count; i++) yield return (d, i, p.Rules(d)[i]);
    }

    private static bool Same(PolicyInfo a, PolicyInfo b) =>
        a.PodSelector.ToString() == b.PodSelector.ToString() && a.PodSelector.MatchesNothing == b.PodSelector.MatchesNothing
        && a.Ingress == b.Ingress && a.Egress == b.Egress && SameRules(a.IngressRules, b.IngressRules) && SameRules(a.EgressRules, b.EgressRules);

    private static bool SameRules(IReadOnlyList<PolicyRule> a, IReadOnlyList<PolicyRule> b) =>
        a.Count == b.Count && a.Zip(b).All(x => Describe(x.First) == Describe(x.Second));

    private static string Describe(PolicyRule r) =>
        (r.Peers is null ? "*" : string.Join(";", r.Peers.Select(p => p.Block is { } b
            ? $"{b.Cidr}-{string.Join(",", b.Except)}"
            : $"{p.Pods?.ToString() ?? "-"}|{p.Pods?.MatchesNothing}|{p.Namespaces?.ToString() ?? "-"}")))
        + " : " + (r.Ports is null ? "*" : string.Join(";", r.Ports));

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
        => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static Dictionary<string, T> Bucket<T>(Dictionary<string, Dictionary<string, T>> d, string k)
    {
        if (!d.TryGetValue(k, out var b)) d[k] = b = [];
        return b;
    }
}
