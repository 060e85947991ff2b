using System.Diagnostics;
using Podnet.Agent.Policy.Compile;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Api.Models;
using Podnet.Linux.Nftables;

/// <summary>
/// A node namespace with a bridge and two pod namespaces on it (bridged traffic passes the forward
/// hook, as in the lab). New-connection latency client → server with the agent's table holding no policy, and with
/// every benchmark policy plus two that allow this client to this server (so the SYN walks the
/// client's egress chain and the server's ingress chain), in interleaved pairs of short rounds.
/// </summary>
static class DataPath
{
    public static void Run(NftTable table, List<Pod> pods, List<NetworkPolicy> policies, int pairs, int selecting)
    {
        using var node = new Netns();
        using var server = new Netns();
        using var client = new Netns();
        Netns.Run("ip", "-n", node.Name, "link", "add", "cni0", "type", "bridge");
        Netns.Run("ip", "-n", node.Name, "addr", "add", "10.244.9.1/24", "dev", "cni0");
        Netns.Run("ip", "-n", node.Name, "link", "set", "cni0", "up");
        Netns.Run("ip", "netns", "exec", node.Name, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1");
        int n = 0;
        foreach (var (pod, ip) in new[] { (server, "10.244.9.2"), (client, "10.244.9.3") })
        {
            string v = $"bv{n++}{node.Name[^4..]}";
            Netns.Run("ip", "link", "add", "eth0", "netns", pod.Name, "type", "veth", "peer", "name", v, "netns", node.Name);
            Netns.Run("ip", "-n", node.Name, "link", "set", v, "master", "cni0", "up");
            Netns.Run("ip", "-n", pod.Name, "addr", "add", ip + "/24", "dev", "eth0");
            Netns.Run("ip", "-n", pod.Name, "link", "set", "eth0", "up");
        }
        // 24,000 connects from one client within a minute: let it reuse TIME_WAIT ports, or the
        // kernel's search for a free source port (not policy) dominates the later rounds.
        Netns.Run("ip", "netns", "exec", client.Name, "sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1", "net.ipv4.ip_local_port_range=1024 65000");
        var srv = Netns.Start(["ip", "netns", "exec", server.Name, "python3", "-c", """
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 8080)); s.listen(512)
print('ready', flush=True)
while True:
    c, _ = s.accept(); c.close()
"""]);
        try
        {
            srv.StandardOutput.ReadLine();
            using var nft = new NftClient(node.Name);
            var compiler = new PolicyCompiler(table, "node-1");
            for (int k = 0; k < World.Namespaces; k++) compiler.SetNamespace($"ns-{k}", World.NsLabels(k));
            foreach (var p in pods) compiler.UpsertPod(World.Info(p));
            foreach (var p in policies) compiler.UpsertPolicy(PolicyParser.Parse(p));
            // The two real pods: the server is app=a1 in ns-1 and the client app=a2 in ns-2, so benchmark
            // policies select both (and the client is egress-isolated by a policy of the ipBlock shape).
            compiler.UpsertPod(new PodInfo("ns-1", "server", System.Net.IPAddress.Parse("10.244.9.2"), new Dictionary<string, string> { ["app"] = "a1", ["ver"] = "v0" }, "node-1", []));
            compiler.UpsertPod(new PodInfo("ns-2", "client", System.Net.IPAddress.Parse("10.244.9.3"), new Dictionary<string, string> { ["app"] = "a2", ["ver"] = "v0" }, "node-1", []));
            compiler.UpsertPolicy(PolicyParser.Parse(new NetworkPolicy
            {
                Metadata = new ObjectMeta { Name = "bench-server", Namespace = "ns-1" },
                Spec = new NetworkPolicySpec
                {
                    PodSelector = World.Sel("app", "a1"),
                    Ingress = [new() { From = [new() { NamespaceSelector = World.Sel("kubernetes.io/metadata.name", "ns-2"), PodSelector = World.Sel("app", "a2") }], Ports = [new() { Port = 8080 }] }],
                },
            }));
            compiler.UpsertPolicy(PolicyParser.Parse(new NetworkPolicy
            {
                Metadata = new ObjectMeta { Name = "bench-client", Namespace = "ns-2" },
                Spec = new NetworkPolicySpec
                {
                    PodSelector = World.Sel("app", "a2"),
                    PolicyTypes = ["Egress"],
                    Egress = [new() { To = [new() { NamespaceSelector = World.Sel("kubernetes.io/metadata.name", "ns-1"), PodSelector = World.Sel("app", "a1") }], Ports = [new() { Port = 8080 }] }],
                },
            }));
            // Optionally many more policies selecting the two measured pods (none of them allows this
            // connection; their names sort before the allowing ones): the SYN's cost must not grow with them either.
            for (int k = 0; k < selecting; k++)
            {
                compiler.UpsertPolicy(PolicyParser.Parse(new NetworkPolicy
                {
                    Metadata = new ObjectMeta { Name = $"a-extra-in-{k}", Namespace = "ns-1" },
                    Spec = new NetworkPolicySpec
                    {
                        PodSelector = World.Sel("app", "a1"),
                        Ingress = [new() { From = [new() { PodSelector = World.Sel("app", $"a{(k + 100) % World.Apps}") }], Ports = [new() { Port = 10000 + k }] }],
                    },
                }));
                compiler.UpsertPolicy(PolicyParser.Parse(new NetworkPolicy
                {
                    Metadata = new ObjectMeta { Name = $"a-extra-eg-{k}", Namespace = "ns-2" },
                    Spec = new NetworkPolicySpec
                    {
                        PodSelector = World.Sel("app", "a2"),
                        PolicyTypes = ["Egress"],
                        Egress = [new() { To = [new() { IpBlock = new IPBlock { Cidr = $"10.{k % 200}.0.0/16" } }], Ports = [new() { Port = 20000 + k, EndPort = 20010 + k }] }],
                    },
                }));
            }
            int total = compiler.PolicyCount;
            var full = compiler.Drain();

            // Two tables side by side in the node namespace: the agent's table with every policy, and the
            // same agent's table as it is with no policy (skeleton: conntrack state, one map lookup). Only
            // one has its base chains hooked at a time; switching is one small transaction, so the two
            // states can alternate in many short rounds and drift on this shared machine cancels out.
            var emptyTable = table with { Name = table.Name + "-empty" };
            var loadedSync = new PolicySyncer(nft, table);
            foreach (var (k, o) in full) loadedSync.SetUnit(k, o);
            if (!loadedSync.Sync()) throw new Exception("sync failed");
            var skeleton = new PolicyCompiler(emptyTable, "node-1").Drain();
            var emptySync = new PolicySyncer(nft, emptyTable);
            foreach (var (k, o) in skeleton) emptySync.SetUnit(k, o);
            if (!emptySync.Sync()) throw new Exception("sync failed");
            var baseChains = new PolicyCompiler(table, "node-1").Skeleton().Chains;
            void Hook(NftTable on, NftTable off)
            {
                var tx = new NftTransaction();
                foreach (var c in baseChains) { tx.FlushChain(off, c.Name); tx.DeleteChain(off, c.Name); }
                foreach (var c in baseChains)
                {
                    tx.AddChain(new NftChain(on, c.Name, c.Base));
                    foreach (var r in c.ToRules(on)) tx.AddRule(r);
                }
                nft.Apply(tx);
            }
            Hook(table, emptyTable); // only the loaded table is hooked (the skeleton's base chains go)

            using var probe = new Client(client.Name);
            probe.Measure(Connects); // warm-up (and the first conntrack entries)
            var empty = new List<double>();
            var loaded = new List<double>();
            var ratios = new List<double>();
            bool loadedHooked = true;
            for (int r = 0; r < pairs; r++)
            {
                // AB, BA, AB, …: a trend during one pair favours neither state.
                double e = 0, l = 0;
                foreach (bool wantLoaded in r % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    if (wantLoaded != loadedHooked) { Hook(wantLoaded ? table : emptyTable, wantLoaded ? emptyTable : table); loadedHooked = wantLoaded; }
                    if (wantLoaded) l = probe.Measure(Connects); else e = probe.Measure(Connects);
                }
                empty.Add(e); loaded.Add(l); ratios.Add(l / e);
            }
            // Enforcement is real: a client outside the allowed set cannot connect.
            if (!loadedHooked) Hook(table, emptyTable);
            compiler.UpsertPod(new PodInfo("ns-2", "client", System.Net.IPAddress.Parse("10.244.9.3"), new Dictionary<string, string> { ["app"] = "a3" }, "node-1", []));
            foreach (var (k, o) in compiler.Drain()) loadedSync.SetUnit(k, o);
            if (!loadedSync.Sync()) throw new Exception("sync failed");
            bool blocked = Netns.Run("ip", "netns", "exec", client.Name, "python3", "-c", """
import socket
try: socket.create_connection(('10.244.9.2', 8080), timeout=0.5); print('open')
except OSError: print('blocked')
""").Trim() == "blocked";
            nft.Apply(new NftTransaction().DeleteTable(table, ifExists: true).DeleteTable(emptyTable, ifExists: true));

            Console.WriteLine($"new-connection latency pod to pod (same bridge; {pairs} interleaved pairs of rounds of {Connects} connects, median per round; " +
                $"0 policies = the agent's table with no policy; server and client each selected by {3 + selecting} policies): 0 policies {Q(empty, 0.5):F1} us, {total} policies {Q(loaded, 0.5):F1} us; " +
                $"ratio {total} / 0 policies per pair: median {Q(ratios, 0.5):F3}, 25-75 % {Q(ratios, 0.25):F3}-{Q(ratios, 0.75):F3}, 10-90 % {Q(ratios, 0.1):F3}-{Q(ratios, 0.9):F3}; " +
                $"a relabelled client is {(blocked ? "blocked" : "NOT blocked (bug)")}");
        }
        finally
        {
            try { srv.Kill(true); } catch { }
        }
    }

    private const int Connects = 500;

    /// <summary>The q-quantile (linear interpolation between order statistics).</summary>
    private static double Q(List<double> xs, double q)
    {
        var s = xs.Order().ToList();
        double pos = q * (s.Count - 1);
        int lo = (int)Math.Floor(pos);
        return lo + 1 < s.Count ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
    }

    /// <summary>
    /// One long-lived client in the client pod: each request connects and closes N times and answers
    /// the median in microseconds (no process start between rounds, warm caches in both states).
    /// </summary>
    private sealed class Client : IDisposable
    {
        private readonly Process _p;

        public Client(string ns) => _p = Netns.Start(["ip", "netns", "exec", ns, "python3", "-u", "-c", """
import socket, sys, time
for line in sys.stdin:
    n = int(line); ts = []
    for i in range(n):
        t = time.perf_counter_ns(); s = socket.create_connection(('10.244.9.2', 8080), timeout=2); ts.append(time.perf_counter_ns() - t); s.close()
    ts.sort(); print(ts[len(ts)//2] / 1000, flush=True)
"""], stdin: true);

        public double Measure(int n)
        {
            _p.StandardInput.WriteLine(n);
            _p.StandardInput.Flush();
            var line = _p.StandardOutput.ReadLine() ?? throw new Exception("latency client ended: " + _p.StandardError.ReadToEnd());
            return double.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            try { _p.StandardInput.Close(); if (!_p.WaitForExit(2000)) _p.Kill(true); } catch { }
            _p.Dispose();
        }
    }

}
