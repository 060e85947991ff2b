using System.Diagnostics;
using Podnet.Agent.Policy.Compile;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Api.Models;
using Podnet.Linux.Nftables;

/// <summary>
/// A node namespace with a bridge and two pod namespaces on it (bridged traffic passes the forward
/// hook, as in the lab). New-connection latency client → server with no policy table, then with
/// every benchmark policy plus two that allow this client to this server (so the SYN walks the
/// client's egress chain and the server's ingress chain), alternating, in one run.
/// </summary>
static class DataPath
{
    public static void Run(NftTable table, List<Pod> pods, List<NetworkPolicy> policies)
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
        var srv = Start("ip", "netns", "exec", server.Name, "python3", "-c", """
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 8080)); s.listen(512)
print('ready', flush=True)
while True:
    c, _ = s.accept(); c.close()
""");
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
            var full = compiler.Drain();

            void Program()
            {
                var s = new PolicySyncer(nft, table);
                foreach (var (k, o) in full) s.SetUnit(k, o);
                if (!s.Sync()) throw new Exception("sync failed");
            }
            void Clear() => nft.Apply(new NftTransaction().DeleteTable(table, ifExists: true));

            var skeleton = new PolicyCompiler(table, "node-1").Drain();
            void ProgramEmpty()
            {
                var s = new PolicySyncer(nft, table);
                foreach (var (k, o) in skeleton) s.SetUnit(k, o);
                if (!s.Sync()) throw new Exception("sync failed");
            }

            // Three states, alternating: no table at all (no conntrack in the node namespace either),
            // the agent with no policy (its two base chains: conntrack state, one map lookup), and every policy.
            var none = new List<(double, double)>();
            var empty = new List<(double, double)>();
            var loaded = new List<(double, double)>();
            Latency(client.Name); // warm-up
            for (int r = 0; r < 4; r++)
            {
                Clear();
                none.Add(Latency(client.Name));
                ProgramEmpty();
                empty.Add(Latency(client.Name));
                Clear();
                Program();
                loaded.Add(Latency(client.Name));
            }
            // Enforcement is real: a client outside the allowed set cannot connect.
            compiler.UpsertPod(new PodInfo("ns-2", "client", System.Net.IPAddress.Parse("10.244.9.3"), new Dictionary<string, string> { ["app"] = "a3" }, "node-1", []));
            var s2 = new PolicySyncer(nft, table);
            s2.Restore();
            compiler.MarkAll(); // a restored syncer reconciles against every unit
            foreach (var (k, o) in compiler.Drain()) s2.SetUnit(k, o);
            if (!s2.Sync()) throw new Exception("sync failed");
            bool blocked = Netns.Run("ip", "netns", "exec", client.Name, "python3", "-c", """
import socket
try: socket.create_connection(('10.244.9.2', 8080), timeout=0.5); print('open')
except OSError: print('blocked')
""").Trim() == "blocked";
            Clear();

            double nm = Med(none), em = Med(empty), lm = Med(loaded);
            static double Med(List<(double, double)> xs) => xs.Select(x => x.Item1).Order().ElementAt(xs.Count / 2);
            static string Rounds(List<(double, double)> xs) => string.Join("/", xs.Select(x => x.Item1.ToString("F1")));
            Console.WriteLine($"new-connection latency pod to pod (same bridge, 2000 connects per round, median of 4 alternating rounds, us): no table {nm:F1} ({Rounds(none)}), " +
                $"0 policies {em:F1} ({Rounds(empty)}), {policies.Count + 2} policies {lm:F1} ({Rounds(loaded)}); ratio {policies.Count + 2} policies / 0 policies {lm / em:F3}, / no table {lm / nm:F3}; " +
                $"a relabelled client is {(blocked ? "blocked" : "NOT blocked (bug)")}");
        }
        finally
        {
            try { srv.Kill(true); } catch { }
        }
    }

    /// <summary>Connect+close 2,000 times from one process; median and p90 microseconds per connection.</summary>
    private static (double, double) Latency(string ns)
    {
        var o = Netns.Run("ip", "netns", "exec", ns, "python3", "-c", """
import socket, time
ts = []
for i in range(2000):
    t = time.perf_counter_ns(); s = socket.create_connection(('10.244.9.2', 8080), timeout=2); ts.append(time.perf_counter_ns() - t); s.close()
ts.sort(); print(ts[len(ts)//2] / 1000, ts[len(ts)*9//10] / 1000)
""").Trim().Split(' ');
        return (double.Parse(o[0]), double.Parse(o[1]));
    }

    private static Process Start(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var x in argv[1..]) psi.ArgumentList.Add(x);
        return Process.Start(psi)!;
    }
}
