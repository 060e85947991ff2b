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
            CheckWorld(rng, world);
    }

    private sealed record Pod(string Ns, string Name, IPAddress Ip, Dictionary<string, string> Labels, NamedPort[] Ports);

    private static void CheckWorld(Random rng, int world)
    {
        // Pods: a few addresses of 10.0.0.0/27, app label x or y, named ports that differ per pod.
        var ips = Enumerable.Range(0, 32).OrderBy(_ => rng.Next()).Take(rng.Next(2, 7)).ToList();
        var pods = ips.Select((last, i) =>
        {
            var ports = new List<NamedPort>();
            if (rng.Next(2) == 0) ports.Add(new NamedPort("web", Protocols.Tcp, rng.Next(2) == 0 ? (ushort)80 : (ushort)8080));
            if (rng.Next(3) == 0) ports.Add(new NamedPort("dns", Protocols.Udp, 53));
            if (rng.Next(4) == 0) ports.Add(new NamedPort("web", Protocols.Sctp, 81));
            return new Pod(Namespaces[rng.Next(2)], $"p{i}", IPAddress.Parse($"10.0.0.{last}"),
                new() { ["app"] = rng.Next(2) == 0 ? "x" : "y" }, [.. ports]);
        }).ToList();
        var yaml = Enumerable.Range(0, rng.Next(1, 4)).Select(i => RandomPolicy(rng, $"n{i}")).ToList();

        var fake = new NftFake();
        var e = new Enforcer(fake);
        foreach (var ns in Namespaces) e.Compiler.SetNamespace(ns, NsLabels[ns]);
        foreach (var p in pods) e.Compiler.UpsertPod(new PodInfo(p.Ns, p.Name, p.Ip, p.Labels, "node-1", p.Ports));
        var policies = yaml.Select(y => KubeJson.As<NetworkPolicy>(ManifestParser.ParseObjects(y).Single())).ToList();
        foreach (var np in policies) e.Compiler.UpsertPolicy(PolicyParser.Parse(np));
        e.Apply();
        var table = new Table(fake.List(Enforcer.Table)!.Elements);

        var ev = new PolicyEvaluator(Namespaces.Select(n => new PolicyNamespace(n, NsLabels[n])), policies);
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
                            Assert.Fail($"world {world}: {src} ({src.Ip}) -> {dst} ({dst.Ip}) {pname}/{port}: evaluator {want}, compiled {got}\n"
                                + ev.Evaluate(src, dst, port, pname) + "\npods:\n"
                                + string.Join("\n", pods.Select(p => $"  {p.Ns}/{p.Name} {p.Ip} app={p.Labels["app"]} {string.Join(",", p.Ports)}"))
                                + "\n" + string.Join("---\n", yaml));
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

    private static string RandomPolicy(Random rng, string name)
    {
        var sb = new StringBuilder($"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{ name: {name}, namespace: {Namespaces[rng.Next(2)]} }}\nspec:\n");
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
