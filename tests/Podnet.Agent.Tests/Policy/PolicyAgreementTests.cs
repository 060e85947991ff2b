using System.Buffers.Binary;
using System.Net;
using System.Text;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Models;
using Podnet.Api.Policy;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Tests.Policy;

/// <summary>
/// Property test: random small worlds (fixed seed) compiled into the in-memory table, whose sets are
/// read back as a packet would meet them, must agree with the reference evaluator
/// (<see cref="PolicyEvaluator"/>, written from the API docs) on every sampled connection.
/// </summary>
public sealed class PolicyAgreementTests
{
    private static readonly string[] Namespaces = ["a", "b"];
    private static readonly Dictionary<string, Dictionary<string, string>> NsLabels = new()
    {
        ["a"] = new() { ["team"] = "red", [PolicyParser.NamespaceNameLabel] = "a" },
        ["b"] = new() { ["team"] = "blue", [PolicyParser.NamespaceNameLabel] = "b" },
    };
    private static readonly string[] Cidrs = ["10.0.0.0/27", "10.0.0.8/29", "10.0.0.5/32", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.16/28", "10.0.0.0/31", "128.0.0.0/1"];
    private static readonly string[] Externals = ["10.0.0.40", "10.0.0.9", "0.0.0.0", "255.255.255.255", "255.255.255.254", "192.168.0.1", "127.255.255.255", "128.0.0.0"];
    private static readonly ushort[] SamplePorts = [1, 52, 53, 54, 79, 80, 81, 82, 8080, 8081, 65535];
    private static readonly (string Name, byte Proto)[] Protos = [("TCP", Protocols.Tcp), ("UDP", Protocols.Udp), ("SCTP", Protocols.Sctp)];

    [Fact]
    public void CompiledSetsAgreeWithTheReferenceEvaluator()
    {
        var rng = new Random(4711);
        for (int world = 0; world < 250; world++)
            new World(rng, world).Check("initial");
    }

    /// <summary>The same after each of a series of random changes applied incrementally (only dirty units are recompiled).</summary>
    [Fact]
    public void IncrementalChangesKeepAgreeing()
    {
        var rng = new Random(815);
        for (int world = 0; world < 60; world++)
        {
            var w = new World(rng, world);
            for (int step = 0; step < 12; step++) w.Check(w.Mutate());
        }
    }

    private sealed record Pod(string Ns, string Name, IPAddress Ip, Dictionary<string, string> Labels, NamedPort[] Ports);

    private sealed class World
    {
        private readonly Random _rng;
        private readonly int _id;
        private readonly NftFake _fake = new();
        private readonly Enforcer _e;
        private readonly Dictionary<string, Pod> _pods = [];
        private readonly Dictionary<string, string> _yaml = [];
        private readonly Dictionary<string, Dictionary<string, string>> _ns = NsLabels.ToDictionary(kv => kv.Key, kv => new Dictionary<string, string>(kv.Value));
        private readonly List<string> _log = [];

        public World(Random rng, int id)
        {
            (_rng, _id) = (rng, id);
            _e = new Enforcer(_fake);
            foreach (var ns in Namespaces) _e.Compiler.SetNamespace(ns, _ns[ns]);
            // Pods: a few addresses of 10.0.0.0/27, app label x or y, named ports that differ per pod.
            for (int i = rng.Next(2, 7); i > 0; i--) AddPod();
            for (int i = rng.Next(1, 4); i > 0; i--) SetPolicy($"n{i}", Namespaces[rng.Next(2)]);
        }

        private IPAddress FreeIp()
        {
            while (true)
            {
                var ip = IPAddress.Parse($"10.0.0.{_rng.Next(32)}");
                if (!_pods.Values.Any(p => p.Ip.Equals(ip))) return ip;
            }
        }

        private NamedPort[] RandomPorts()
        {
            var ports = new List<NamedPort>();
            if (_rng.Next(2) == 0) ports.Add(new NamedPort("web", Protocols.Tcp, _rng.Next(2) == 0 ? (ushort)80 : (ushort)8080));
            if (_rng.Next(3) == 0) ports.Add(new NamedPort("dns", Protocols.Udp, 53));
            if (_rng.Next(4) == 0) ports.Add(new NamedPort("web", Protocols.Sctp, 81));
            return [.. ports];
        }

        private static Dictionary<string, string> App(string v) => new() { ["app"] = v };

        private void Put(Pod p)
        {
            _pods[p.Ns + "/" + p.Name] = p;
            _e.Compiler.UpsertPod(new PodInfo(p.Ns, p.Name, p.Ip, p.Labels, "node-1", p.Ports));
        }

        private void AddPod()
        {
            if (_pods.Count >= 8) return;
            int n = 0;
            while (_pods.Values.Any(p => p.Name == $"p{n}")) n++;
            Put(new Pod(Namespaces[_rng.Next(2)], $"p{n}", FreeIp(), App(_rng.Next(2) == 0 ? "x" : "y"), RandomPorts()));
        }

        private void SetPolicy(string name, string ns)
        {
            var y = RandomPolicy(_rng, name, ns);
            _yaml[ns + "/" + name] = y;
            _e.Compiler.UpsertPolicy(PolicyParser.Parse(Np(y)));
        }

        private static NetworkPolicy Np(string y) => KubeJson.As<NetworkPolicy>(ManifestParser.ParseObjects(y).Single());

        /// <summary>One random change, handed to the compiler as the informers would; returns what it was.</summary>
        public string Mutate()
        {
            var pod = _pods.Values.OrderBy(p => p.Name).ElementAtOrDefault(_rng.Next(Math.Max(1, _pods.Count)));
            string what;
            switch (_rng.Next(8))
            {
                case 0 when pod is not null:
                    Put(pod with { Labels = App(pod.Labels["app"] == "x" ? "y" : "x") });
                    what = $"relabel {pod.Name}";
                    break;
                case 1 when pod is not null:
                    Put(pod with { Ports = RandomPorts() });
                    what = $"ports of {pod.Name}";
                    break;
                case 2 when pod is not null:
                    Put(pod with { Ip = FreeIp() });
                    what = $"new ip for {pod.Name}";
                    break;
                case 3 when pod is not null:
                    _pods.Remove(pod.Ns + "/" + pod.Name);
                    _e.Compiler.RemovePod(pod.Ns + "/" + pod.Name);
                    what = $"remove {pod.Name}";
                    break;
                case 4:
                    var ns = Namespaces[_rng.Next(2)];
                    _ns[ns]["team"] = _ns[ns]["team"] == "red" ? "blue" : "red";
                    _e.Compiler.SetNamespace(ns, new Dictionary<string, string>(_ns[ns]));
                    what = $"namespace {ns} team={_ns[ns]["team"]}";
                    break;
                case 5 when _yaml.Count > 0:
                    var key = _yaml.Keys.Order().ElementAt(_rng.Next(_yaml.Count));
                    _yaml.Remove(key);
                    _e.Compiler.RemovePolicy(key);
                    what = $"remove policy {key}";
                    break;
                case 6 when _yaml.Count > 0:
                    var k = _yaml.Keys.Order().ElementAt(_rng.Next(_yaml.Count)).Split('/');
                    SetPolicy(k[1], k[0]);
                    what = $"change policy {k[0]}/{k[1]}";
                    break;
                case 7:
                    SetPolicy($"n{_rng.Next(5)}", Namespaces[_rng.Next(2)]);
                    what = "add or change a policy";
                    break;
                default:
                    AddPod();
                    what = "add a pod";
                    break;
            }
            return what;
        }

        public void Check(string step)
        {
            _log.Add(step);
            _e.Apply();
            var table = new Table(_fake.List(Enforcer.Table)!.Elements);
            var policies = _yaml.Values.Select(Np).ToList();
            var ev = new PolicyEvaluator(Namespaces.Select(n => new PolicyNamespace(n, _ns[n])), policies);
            var pods = _pods.Values.ToList();
            var endpoints = pods.Select(p => (PolicyEndpoint)new PodEndpoint(new PolicyPod(p.Ns, p.Name, p.Labels, p.Ip,
                    p.Ports.Select(x => new PodPort(x.Name, x.Port, Protocols.Name(x.Protocol).ToUpperInvariant())).ToList(), "node-1")))
                .Concat(Externals.Select(IPAddress.Parse).Concat(Edges(policies)).Distinct().Where(x => !pods.Any(p => p.Ip.Equals(x))).Select(x => new IpEndpoint(x)))
                .ToList();
            foreach (var src in endpoints)
                foreach (var dst in endpoints)
                {
                    if (src is not PodEndpoint && dst is not PodEndpoint) continue;
                    if (src is PodEndpoint s && dst is PodEndpoint d && s.Pod.Key == d.Pod.Key) continue;
                    foreach (var (pname, proto) in Protos)
                        foreach (var port in SamplePorts)
                        {
                            bool want = ev.Allowed(src, dst, port, pname);
                            bool got = (src is not PodEndpoint || table.Allows(Direction.Egress, src.Ip, dst.Ip, proto, port))
                                       && (dst is not PodEndpoint || table.Allows(Direction.Ingress, dst.Ip, src.Ip, proto, port));
                            if (want != got)
                                Assert.Fail($"world {_id} after [{string.Join("; ", _log)}]: {src} ({src.Ip}) -> {dst} ({dst.Ip}) {pname}/{port}: evaluator {want}, compiled {got}\n"
                                    + ev.Evaluate(src, dst, port, pname) + "\nnamespaces: " + string.Join(", ", _ns.Select(kv => $"{kv.Key} team={kv.Value["team"]}"))
                                    + "\npods:\n" + string.Join("\n", pods.Select(p => $"  {p.Ns}/{p.Name} {p.Ip} app={p.Labels["app"]} {string.Join(",", p.Ports)}"))
                                    + "\n" + string.Join("---\n", _yaml.Values));
                        }
                }
        }
    }

    /// <summary>The first and last address of every ipBlock cidr and except, and their outside neighbours.</summary>
    private static IEnumerable<IPAddress> Edges(List<NetworkPolicy> policies)
    {
        var blocks = policies.SelectMany(p => (p.Spec.Ingress ?? []).SelectMany(r => r.From ?? []).Concat((p.Spec.Egress ?? []).SelectMany(r => r.To ?? [])))
            .Where(x => x.IpBlock is not null).SelectMany(x => (x.IpBlock!.Except ?? []).Append(x.IpBlock!.Cidr));
        foreach (var text in blocks)
        {
            var c = Podnet.Api.Validation.Cidr.Parse(text);
            long first = V(c.Network.GetAddressBytes()), last = first + (1L << (32 - c.PrefixLength)) - 1;
            foreach (var v in new[] { first - 1, first, last, last + 1 })
                if (v is >= 0 and <= uint.MaxValue)
                {
                    var b = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(b, (uint)v);
                    yield return new IPAddress(b);
                }
        }
    }

    private static uint V(byte[] key) => BinaryPrimitives.ReadUInt32BigEndian(key);

    private static string RandomPolicy(Random rng, string name, string ns)
    {
        var sb = new StringBuilder($"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{ name: {name}, namespace: {ns} }}\nspec:\n");
        sb.Append("  podSelector: ").Append(rng.Next(2) == 0 ? "{}" : $"{{ matchLabels: {{ app: {(rng.Next(2) == 0 ? "x" : "y")} }} }}").Append('\n');
        string[] types = ["", "  policyTypes: [ Ingress ]\n", "  policyTypes: [ Egress ]\n", "  policyTypes: [ Ingress, Egress ]\n", "  policyTypes: []\n"];
        sb.Append(types[rng.Next(types.Length)]);
        foreach (var (dir, peer) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            int k = rng.Next(5);
            if (k == 0) continue; // absent
            if (k == 1) { sb.Append($"  {dir}: []\n"); continue; }
            sb.Append($"  {dir}:\n");
            for (int r = rng.Next(1, 3); r > 0; r--) sb.Append("  - ").Append(RandomRule(rng, peer)).Append('\n');
        }
        return sb.ToString();
    }

    private static string RandomRule(Random rng, string peerField)
    {
        var parts = new List<string>();
        int k = rng.Next(4);
        if (k == 1) parts.Add($"{peerField}: []");
        else if (k >= 2) parts.Add($"{peerField}: [ {string.Join(", ", Enumerable.Range(0, rng.Next(1, 3)).Select(_ => RandomPeer(rng)))} ]");
        k = rng.Next(4);
        if (k == 1) parts.Add("ports: []");
        else if (k >= 2) parts.Add($"ports: [ {string.Join(", ", Enumerable.Range(0, rng.Next(1, 3)).Select(_ => RandomPort(rng)))} ]");
        return "{ " + string.Join(", ", parts) + " }";
    }

    private static string RandomPeer(Random rng)
    {
        string Pods() => rng.Next(3) == 0 ? "{}" : $"{{ matchLabels: {{ app: {(rng.Next(2) == 0 ? "x" : "y")} }} }}";
        string Nss() => rng.Next(3) == 0 ? "{}" : $"{{ matchLabels: {{ team: {(rng.Next(2) == 0 ? "red" : "blue")} }} }}";
        switch (rng.Next(4))
        {
            case 0: return $"{{ podSelector: {Pods()} }}";
            case 1: return $"{{ namespaceSelector: {Nss()} }}";
            case 2: return $"{{ podSelector: {Pods()}, namespaceSelector: {Nss()} }}";
        }
        var cidr = IPNetwork.Parse(Cidrs[rng.Next(Cidrs.Length)]);
        var except = new List<string>();
        for (int i = rng.Next(3); i > 0 && cidr.PrefixLength < 32; i--)
        {
            int len = rng.Next(Math.Max(cidr.PrefixLength + 1, 24), 33);
            if (len <= cidr.PrefixLength) continue;
            // An address inside the cidr: its base plus random low bits (host bits of the except are allowed).
            uint size = cidr.PrefixLength == 0 ? uint.MaxValue : (uint)((1UL << (32 - cidr.PrefixLength)) - 1);
            uint baseV = BinaryPrimitives.ReadUInt32BigEndian(cidr.BaseAddress.GetAddressBytes());
            uint v = baseV + (uint)(rng.NextInt64(0, (long)size + 1) & (rng.Next(2) == 0 ? 0xFF : size));
            var b = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
            except.Add($"{new IPAddress(b)}/{len}");
        }
        return $"{{ ipBlock: {{ cidr: '{cidr}'{(except.Count == 0 ? "" : $", except: [ {string.Join(", ", except.Select(x => $"'{x}'"))} ]")} }} }}";
    }

    private static string RandomPort(Random rng)
    {
        string proto = rng.Next(4) switch { 0 => "", 1 => "protocol: TCP, ", 2 => "protocol: UDP, ", _ => "protocol: SCTP, " };
        return rng.Next(5) switch
        {
            0 => $"{{ {proto.TrimEnd(',', ' ')} }}",
            1 => $"{{ {proto}port: {new[] { 53, 80, 81, 8080 }[rng.Next(4)]} }}",
            2 => $"{{ {proto}port: {new[] { 53, 79, 80 }[rng.Next(3)]}, endPort: {new[] { 81, 8080, 65535 }[rng.Next(3)]} }}",
            3 => $"{{ {proto}port: web }}",
            _ => $"{{ {proto}port: dns }}",
        };
    }

    /// <summary>The table as the data path reads it: dispatch maps, then a class's four sets and the own-traffic set.</summary>
    private sealed class Table(IReadOnlyDictionary<string, IReadOnlyList<NftElement>> sets)
    {
        private IReadOnlyList<NftElement> Set(string name) => sets.GetValueOrDefault(name) ?? [];

        /// <summary>Whether a new connection passes <paramref name="pod"/>'s class in direction <paramref name="d"/>; <paramref name="peer"/> is the other end.</summary>
        public bool Allows(Direction d, IPAddress pod, IPAddress peer, byte proto, ushort port)
        {
            var map = Set(d == Direction.Ingress ? PolicyNames.IngressMap : PolicyNames.EgressMap);
            var entry = map.FirstOrDefault(x => x.Key.AsSpan().SequenceEqual(pod.GetAddressBytes()));
            if (entry is null) return true; // not isolated in this direction
            var chain = entry.Verdict!.Chain!;
            uint p = V(peer.GetAddressBytes());
            var tuple = NftKey.AddrProtoPort(peer, proto, port);
            if (Set(PolicyNames.ClassSet(chain, "ports")).Any(x => x.Key.AsSpan().SequenceEqual(tuple))) return true;
            if (Set(PolicyNames.ClassSet(chain, "peers")).Any(x => V(x.Key) == p)) return true;
            if (InIntervals(Set(PolicyNames.ClassSet(chain, "cidrs")), p)) return true;
            int hits = Set(PolicyNames.ClassSet(chain, "ranges")).Count(x => V(x.Key) <= p && p <= V(x.KeyEnd!)
                && x.Key[4] <= proto && proto <= x.KeyEnd![4] && Port(x.Key) <= port && port <= Port(x.KeyEnd!));
            Assert.True(hits <= 1, $"{chain}-ranges: {peer} {proto}/{port} is in {hits} elements (the kernel refuses overlaps)");
            if (hits == 1) return true;
            var (src, dst) = d == Direction.Ingress ? (peer, pod) : (pod, peer);
            return Set(PolicyNames.SelfSet).Any(x => x.Key.AsSpan().SequenceEqual([.. src.GetAddressBytes(), .. dst.GetAddressBytes()]));
        }

        // An rbtree interval set: the nearest element at or below the key decides (start: inside, end: outside).
        private static bool InIntervals(IReadOnlyList<NftElement> els, uint v)
        {
            var below = els.Where(x => V(x.Key) <= v).OrderBy(x => V(x.Key)).ThenBy(x => x.IntervalEnd ? 0 : 1).LastOrDefault();
            return below is not null && !below.IntervalEnd;
        }

        private static uint V(byte[] key) => BinaryPrimitives.ReadUInt32BigEndian(key);
        private static ushort Port(byte[] key) => BinaryPrimitives.ReadUInt16BigEndian(key.AsSpan(8));
    }
}
