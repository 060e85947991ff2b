using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Compile;

// Classes: the per-pod and per-class halves of the compiler.
public sealed partial class PolicyCompiler
{
    /// <summary>
    /// One direction of isolation shared by the local pods in <see cref="Members"/>: the policies
    /// selecting them, and for ingress what those policies' named ports mean on these pods.
    /// </summary>
    private sealed record ClassInfo(string Id, Direction D, string Key, IReadOnlyList<string> Policies, IReadOnlyList<NamedPort> Named)
    {
        public HashSet<IPAddress> Members { get; } = [];
    }

    private readonly Dictionary<string, ClassInfo> _classes = [];
    private readonly Dictionary<string, HashSet<string>> _classesByPolicy = [];
    private readonly Dictionary<IPAddress, (string? In, string? Eg)> _podClasses = [];
    private readonly HashSet<string> _dirtyClasses = [];

    /// <summary>A local pod's unit: its dispatch entries (and own-traffic pair); it joins and leaves classes.</summary>
    private UnitOutput? CompilePod(IPAddress ip)
    {
        _podClasses.TryGetValue(ip, out var old);
        string? inId = null, egId = null;
        UnitOutput? u = null;
        // Two local pods with one IP (one terminating): the live one owns the address.
        if (_localByIp.TryGetValue(ip, out var keys) && keys.Count > 0)
        {
            var pod = keys.Select(k => _pods[k]).OrderBy(p => p.Terminating).ThenBy(p => p.Key, StringComparer.Ordinal).First();
            var selecting = _policiesByNs.TryGetValue(pod.Namespace, out var ps)
                ? ps.Values.Where(p => Selects(p, pod)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList() : [];
            u = new UnitOutput();
            foreach (var d in Both)
            {
                var mine = selecting.Where(p => p.Has(d)).ToList();
                if (mine.Count == 0) continue; // not isolated in this direction
                var named = d == Direction.Ingress ? ResolveNamed(mine, pod) : [];
                var key = string.Join(",", mine.Select(p => p.Key))
                    + (named.Count == 0 ? "" : " " + string.Join(",", named.Select(n => $"{n.Name}/{Protocols.Name(n.Protocol)}={n.Port}")));
                var id = Join(d, key, mine, named, ip);
                if (d == Direction.Ingress) inId = id; else egId = id;
                u.Entries.Add(new MapEntry(d == Direction.Ingress ? PolicyNames.IngressMap : PolicyNames.EgressMap, ip.GetAddressBytes(),
                    NftVerdict.Goto(PolicyNames.ClassChain(d, key))));
            }
            if (inId is not null || egId is not null)
                u.Entries.Add(new MapEntry(PolicyNames.SelfSet, NftKey.Concat(ip.GetAddressBytes(), ip.GetAddressBytes()), null));
        }
        if (old.In is not null && old.In != inId) Leave(old.In, ip);
        if (old.Eg is not null && old.Eg != egId) Leave(old.Eg, ip);
        if (inId is null && egId is null) _podClasses.Remove(ip);
        else _podClasses[ip] = (inId, egId);
        return u;
    }

    /// <summary>The pod's container ports that the ingress rules of <paramref name="policies"/> name.</summary>
    private static List<NamedPort> ResolveNamed(List<PolicyInfo> policies, PodInfo pod)
    {
        var wanted = policies.SelectMany(p => p.IngressRules).SelectMany(r => r.Ports ?? []).Where(x => x.IsNamed)
            .Select(x => (x.Name!, x.Protocol)).ToHashSet();
        return pod.Ports.Where(cp => wanted.Contains((cp.Name, cp.Protocol))).Distinct()
            .OrderBy(cp => cp.Name, StringComparer.Ordinal).ThenBy(cp => cp.Protocol).ThenBy(cp => cp.Port).ToList();
    }

    private string Join(Direction d, string key, List<PolicyInfo> policies, List<NamedPort> named, IPAddress ip)
    {
        var id = ClassUnitKey(d, key);
        if (!_classes.TryGetValue(id, out var c))
        {
            _classes[id] = c = new ClassInfo(id, d, key, policies.Select(p => p.Key).ToList(), named);
            foreach (var p in c.Policies)
            {
                if (!_classesByPolicy.TryGetValue(p, out var ids)) _classesByPolicy[p] = ids = [];
                ids.Add(id);
            }
            _dirtyClasses.Add(id);
        }
        c.Members.Add(ip);
        return id;
    }

    private void Leave(string id, IPAddress ip)
    {
        if (!_classes.TryGetValue(id, out var c)) return;
        c.Members.Remove(ip);
        if (c.Members.Count > 0) return;
        _classes.Remove(id);
        foreach (var p in c.Policies)
            if (_classesByPolicy.TryGetValue(p, out var s)) { s.Remove(id); if (s.Count == 0) _classesByPolicy.Remove(p); }
        _dirtyClasses.Add(id); // compiled as gone
    }

    /// <summary>
    /// A class's chain and sets: everything its policies allow, folded by kind into at most four
    /// lookups — exact peer.proto.port, peers on every port, peer ranges on every port, and
    /// (peer range . proto . port range) boxes — then the pod's own traffic, then drop.
    /// </summary>
    private UnitOutput CompileClass(ClassInfo c)
    {
        var d = c.D;
        var ports = new Dictionary<string, NftElement>();
        var peers = new HashSet<IPAddress>();
        var cidrs = new List<(ulong Start, ulong End)>();
        var boxes = new List<Box>();
        foreach (var key in c.Policies)
        {
            if (!_policies.TryGetValue(key, out var p) || !p.Has(d)) continue;
            foreach (var rule in p.Rules(d))
            {
                List<PodInfo> podPeers = rule.Peers?.Any(x => x.IsSelector) == true ? PeerPods(p, rule.Peers).ToList() : [];
                List<(ulong Start, ulong End)> ranges = rule.Peers is null ? [(0, 1UL << 32)]
                    : Ipv4Ranges.Union(rule.Peers.Where(x => x.Block is not null).Select(x => x.Block!));
                if (rule.Ports is null)
                {
                    foreach (var pod in podPeers) peers.Add(pod.Ip);
                    cidrs.AddRange(ranges);
                    continue;
                }
                void Allow(byte proto, ushort lo, ushort hi)
                {
                    foreach (var pod in podPeers)
                    {
                        if (lo == hi) AddPort(ports, pod.Ip, proto, lo);
                        else boxes.Add(new Box(Ipv4Ranges.Value(pod.Ip), Ipv4Ranges.Value(pod.Ip) + 1, proto, lo, hi));
                    }
                    foreach (var (s, e) in ranges) boxes.Add(new Box(s, e, proto, lo, hi));
                }
                foreach (var port in rule.Ports)
                {
                    if (!port.IsNamed) Allow(port.Protocol, port.From ?? 0, port.From is null ? ushort.MaxValue : port.To ?? port.From.Value);
                    else if (d == Direction.Ingress)
                    {
                        // Resolved on the isolated pod itself: part of the class key.
                        foreach (var np in c.Named) if (np.Name == port.Name && np.Protocol == port.Protocol) Allow(np.Protocol, np.Port, np.Port);
                    }
                    else
                    {
                        // Resolved on each destination pod; addresses that are no pod have no named ports.
                        IEnumerable<PodInfo> dests = rule.Peers is null ? _pods.Values
                            : podPeers.Concat(ranges.Count == 0 ? [] : _pods.Values.Where(x => Ipv4Ranges.Contains(ranges, x.Ip)));
                        foreach (var dest in dests)
                            foreach (var cp in dest.Ports)
                                if (cp.Name == port.Name && cp.Protocol == port.Protocol) AddPort(ports, dest.Ip, cp.Protocol, cp.Port);
                    }
                }
            }
        }

        var u = new UnitOutput();
        var chain = PolicyNames.ClassChain(d, c.Key);
        var rules = new List<NftExpr[]>();
        NftDataType[] tuple = [NftDataType.Ipv4Addr, NftDataType.InetProto, NftDataType.InetService];
        if (ports.Count > 0)
        {
            var set = PolicyNames.ClassSet(chain, "ports");
            u.Sets.Add(new(new NftSet(table, set, tuple), [.. ports.Values]));
            rules.Add([.. PolicyExprs.PeerProtoDportIn(d, set), NftMatch.Accept]);
        }
        if (peers.Count > 0)
        {
            var set = PolicyNames.ClassSet(chain, "peers");
            u.Sets.Add(new(new NftSet(table, set, [NftDataType.Ipv4Addr]), [.. peers.Select(ip => new NftElement(ip.GetAddressBytes()))]));
            rules.Add([.. PolicyExprs.PeerIn(d, set), NftMatch.Accept]);
        }
        if (cidrs.Count > 0)
        {
            var set = PolicyNames.ClassSet(chain, "cidrs");
            u.Sets.Add(new(new NftSet(table, set, [NftDataType.Ipv4Addr], Flags: NftSetFlags.Interval), Ipv4Ranges.Elements(Ipv4Ranges.Merge(cidrs))));
            rules.Add([.. PolicyExprs.PeerIn(d, set), NftMatch.Accept]);
        }
        if (boxes.Count > 0)
        {
            var set = PolicyNames.ClassSet(chain, "ranges");
            u.Sets.Add(new(new NftSet(table, set, tuple, Flags: NftSetFlags.Interval), [.. Boxes.Disjoint(boxes).Select(Boxes.Element)]));
            rules.Add([.. PolicyExprs.PeerProtoDportIn(d, set), NftMatch.Accept]);
        }
        rules.Add([.. PolicyExprs.SelfIn(PolicyNames.SelfSet), NftMatch.Accept]);
        rules.Add([NftMatch.Drop]);
        u.Chains.Add(new FingerprintedChain(chain, rules));
        return u;
    }

    private static void AddPort(Dictionary<string, NftElement> ports, IPAddress ip, byte proto, ushort port)
    {
        var key = NftKey.AddrProtoPort(ip, proto, port);
        ports.TryAdd(Convert.ToHexString(key), new NftElement(key));
    }
}
