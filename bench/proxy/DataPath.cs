using System.Diagnostics;
using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Linux.Nftables;

/// <summary>
/// client — node (proxy rules) — backend, all namespaces. New-connection latency to a ClusterIP with
/// 10 and with N services programmed (same run), and TCP throughput through the ClusterIP vs direct.
/// </summary>
static class DataPath
{
    public static void Run(ProxyConfig cfg, int services)
    {
        using var client = new Netns();
        using var node = new Netns();
        using var backend = new Netns();
        string a = "bc" + client.Name[^6..], b = "bb" + backend.Name[^6..];
        Netns.Run("ip", "link", "add", a, "netns", client.Name, "type", "veth", "peer", "name", a + "n", "netns", node.Name);
        Netns.Run("ip", "link", "add", b, "netns", backend.Name, "type", "veth", "peer", "name", b + "n", "netns", node.Name);
        Netns.Run("ip", "-n", client.Name, "addr", "add", "10.0.0.1/24", "dev", a);
        Netns.Run("ip", "-n", client.Name, "link", "set", a, "up");
        Netns.Run("ip", "-n", client.Name, "route", "add", "default", "via", "10.0.0.2");
        Netns.Run("ip", "-n", node.Name, "addr", "add", "10.0.0.2/24", "dev", a + "n");
        Netns.Run("ip", "-n", node.Name, "addr", "add", "10.0.1.1/24", "dev", b + "n");
        Netns.Run("ip", "-n", node.Name, "link", "set", a + "n", "up");
        Netns.Run("ip", "-n", node.Name, "link", "set", b + "n", "up");
        Netns.Run("ip", "netns", "exec", node.Name, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Netns.Run("ip", "-n", backend.Name, "addr", "add", "10.0.1.2/24", "dev", b);
        Netns.Run("ip", "-n", backend.Name, "link", "set", b, "up");
        Netns.Run("ip", "-n", backend.Name, "route", "add", "default", "via", "10.0.1.1");

        var server = Netns.Start(["ip", "netns", "exec", backend.Name, "python3", "-c", """
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 8080)); s.listen(512)
print('ready', flush=True)
while True:
    c, _ = s.accept(); c.close()
"""]);
        var iperf = Netns.Start(["ip", "netns", "exec", backend.Name, "iperf3", "-s", "-p", "5201"]);
        try
        {
            server.StandardOutput.ReadLine();
            using var nft = new NftClient(node.Name);
            var p = new ProxySyncer(nft, cfg);
            var target = new ServicePortInfo(new ServicePortName("bench", "target", "p80", ProxyProtocols.Tcp), IPAddress.Parse("10.96.255.254"), 80);
            var iperfSvc = new ServicePortInfo(new ServicePortName("bench", "iperf", "p5201", ProxyProtocols.Tcp), IPAddress.Parse("10.96.255.253"), 5201);
            p.SetService(target, [new EndpointInfo(IPAddress.Parse("10.0.1.2"), 8080)]);
            p.SetService(iperfSvc, [new EndpointInfo(IPAddress.Parse("10.0.1.2"), 5201)]);
            for (int i = 0; i < 8; i++) p.SetService(Filler(i), [new EndpointInfo(IPAddress.Parse("10.0.1.2"), 8080)]);
            if (!p.Sync()) throw new Exception("sync failed");
            var small = Latency(client.Name);
            for (int i = 8; i < services - 2; i++) p.SetService(Filler(i), [new EndpointInfo(IPAddress.Parse("10.0.1.2"), 8080)]);
            if (!p.Sync()) throw new Exception("sync failed");
            var large = Latency(client.Name);
            var small2 = Latency(client.Name, onlyIfSmall: false); // same table: repeat large for noise
            Console.WriteLine($"new-connection latency via ClusterIP: 10 services {small.median:F1} us (p90 {small.p90:F1}), {services} services {large.median:F1} us (p90 {large.p90:F1}); ratio {large.median / small.median:F3}; repeat at {services}: {small2.median:F1} us");

            // Interleaved rounds, so that load changes on a shared machine hit both sides alike.
            var direct = new List<double>();
            var viaSvc = new List<double>();
            for (int r = 0; r < 5; r++)
            {
                direct.Add(Iperf(client.Name, "10.0.1.2"));
                viaSvc.Add(Iperf(client.Name, "10.96.255.253"));
            }
            double Med(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
            Console.WriteLine($"TCP throughput (iperf3, 5 interleaved rounds of 2 s): direct {Med(direct):F2} Gbit/s, via ClusterIP {Med(viaSvc):F2} Gbit/s; ratio of medians {Med(viaSvc) / Med(direct):F3}; per-round ratios {string.Join(" ", direct.Zip(viaSvc, (d, v) => (v / d).ToString("F2")))}");
        }
        finally
        {
            try { server.Kill(true); iperf.Kill(true); } catch { }
        }
    }

    private static ServicePortInfo Filler(int i) => new(new ServicePortName("bench", $"f{i}", "p80", ProxyProtocols.Tcp),
        new IPAddress([10, (byte)(96 + i / 65536), (byte)(i / 256 % 256), (byte)(i % 256)]), 80);

    /// <summary>Connect+close 2,000 times from one process; microseconds per connection.</summary>
    private static (double median, double p90) Latency(string ns, bool onlyIfSmall = true)
    {
        var o = Netns.Run("ip", "netns", "exec", ns, "python3", "-c", """
import socket, time
ts = []
for i in range(2000):
    t = time.perf_counter_ns(); s = socket.create_connection(('10.96.255.254', 80), timeout=2); ts.append(time.perf_counter_ns() - t); s.close()
ts.sort(); print(ts[len(ts)//2] / 1000, ts[len(ts)*9//10] / 1000)
""").Trim().Split(' ');
        return (double.Parse(o[0]), double.Parse(o[1]));
    }

    private static double Iperf(string ns, string addr)
    {
        var o = Netns.Run("ip", "netns", "exec", ns, "iperf3", "-c", addr, "-p", "5201", "-t", "2", "-J");
        using var doc = System.Text.Json.JsonDocument.Parse(o);
        return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9;
    }

}

/// <summary>Wraps a runner and adds up the time spent in the kernel round trips.</summary>
sealed class TimedRunner(INftRunner inner) : INftRunner
{
    public TimeSpan Apply { get; private set; }
    public TimeSpan ListTime { get; private set; }
    void INftRunner.Apply(NftTransaction tx) { var sw = Stopwatch.StartNew(); try { inner.Apply(tx); } finally { Apply += sw.Elapsed; } }
    public NftTableState? List(NftTable table, bool withElements = true) { var sw = Stopwatch.StartNew(); try { return inner.List(table, withElements); } finally { ListTime += sw.Elapsed; } }
}
