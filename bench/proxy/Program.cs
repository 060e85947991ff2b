// bench/proxy: how fast the service proxy programs nftables, and what it costs on the data path.
//   dotnet run -c Release --project bench/proxy [-- --services 10000 --endpoints 2 --big]
// Everything runs in throwaway pnt-bench-* namespaces that are removed at the end.
using System.Diagnostics;
using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Linux.Nftables;

int services = Arg("--services", 10000), endpoints = Arg("--endpoints", 2);
bool big = args.Contains("--big"), datapath = !args.Contains("--no-datapath");
var cfg = new ProxyConfig { ClusterCidr = IPNetwork.Parse("10.0.0.0/16") };

Console.WriteLine($"# bench/proxy on {Environment.MachineName}, {Environment.ProcessorCount} cpus, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
using (var ns = new Netns())
{
    using var nft = new NftClient(ns.Name);
    var timed = new TimedRunner(nft);
    var p = new ProxySyncer(timed, cfg);
    var sw = Stopwatch.StartNew();
    var cpu0 = Cpu();
    for (int i = 0; i < services; i++) p.SetService(Svc(i), Eps(i, endpoints));
    Check(p.Sync());
    sw.Stop();
    Console.WriteLine($"program {services} services x {endpoints} endpoints from empty: {sw.Elapsed.TotalSeconds:F2} s wall, {(Cpu() - cpu0).TotalSeconds:F2} s cpu (user+kernel), netlink round trip {timed.Apply.TotalSeconds:F2} s ({p.LastSync.Commands} commands, batch {nft.LastBatchBytes / 1e6:F1} MB)");
    if (args.Contains("--only-program"))
    {
        sw.Restart();
        int n = 0;
        for (int i = 0; i < services; i++) foreach (var c in ServiceCompiler.Compile(cfg, Svc(i), Eps(i, endpoints)).Chains) n += c.Fingerprint.Length;
        Console.WriteLine($"compile+fingerprint only: {sw.Elapsed.TotalSeconds:F2} s");
        return 0;
    }

    if (args.Contains("--probe"))
    {
        var t = new NftTable(NftFamily.Ip, cfg.TableName);
        nft.Apply(new NftTransaction().AddChain(new NftChain(t, "probe")));
        void Time(string what, Func<int, NftTransaction> tx)
        {
            var xs = new List<double>();
            for (int r = 0; r < 9; r++) { var s0 = Stopwatch.StartNew(); var c0 = Cpu(); nft.Apply(tx(r)); xs.Add((Cpu() - c0).TotalMilliseconds); }
            Console.WriteLine($"probe {what}: median {Median(xs):F1} ms cpu");
        }
        Time("counter rule", r => new NftTransaction().AddRule(t, "probe", null, new NftCounter()));
        Time("accept rule", r => new NftTransaction().AddRule(t, "probe", null, NftMatch.Accept));
        Time("dnat rule", r => new NftTransaction().AddRule(t, "probe", null, NftMatch.DnatTo(IPAddress.Parse("10.0.0.1"), 80)));
        Time("set element", r => new NftTransaction().AddElements(t, ProxyNames.ClusterIpsSet, [new NftElement(NftKey.AddrProtoPort(IPAddress.Parse($"10.99.0.{r + 1}"), 6, 80))]));
        Time("goto element", r => new NftTransaction().AddElements(t, ProxyNames.AffinityIpsMap, [new NftElement(NftKey.AddrProtoPort(IPAddress.Parse($"10.99.1.{r + 1}"), 6, 80), NftVerdict.Goto("probe"))]));
        Time("chain only", r => new NftTransaction().AddChain(new NftChain(t, $"probe{r}")));
    }
    var add = new List<double>();
    var addCpu = new List<double>();
    for (int r = 0; r < 25; r++)
    {
        int i = services + r;
        sw.Restart();
        var c0 = Cpu();
        p.SetService(Svc(i), Eps(i, endpoints));
        Check(p.Sync());
        add.Add(sw.Elapsed.TotalMilliseconds);
        addCpu.Add((Cpu() - c0).TotalMilliseconds);
    }
    Console.WriteLine($"add one service with {services} present: median {Median(add):F2} ms wall ({Median(addCpu):F1} ms cpu), max {add.Max():F2} ms (25 runs)");

    var change = new List<double>();
    var changeCpu = new List<double>();
    for (int r = 0; r < 25; r++)
    {
        int i = r * 37 % services;
        var eps = Eps(i, endpoints).ToList();
        eps[0] = eps[0] with { Address = IPAddress.Parse($"10.1.{r}.{i % 250 + 1}") };
        sw.Restart();
        var c0 = Cpu();
        p.SetService(Svc(i), eps);
        Check(p.Sync());
        change.Add(sw.Elapsed.TotalMilliseconds);
        changeCpu.Add((Cpu() - c0).TotalMilliseconds);
    }
    Console.WriteLine($"one endpoint change with {services} present: median {Median(change):F2} ms wall ({Median(changeCpu):F1} ms cpu), max {change.Max():F2} ms (25 runs)");

    sw.Restart();
    var p2 = new ProxySyncer(nft, cfg);
    for (int i = 0; i < services + 25; i++) p2.SetService(Svc(i), i < 25 ? ChangedEps(i) : Eps(i, endpoints));
    p2.Restore();
    Check(p2.Sync());
    Console.WriteLine($"restart (read back + sync, {p2.LastSync.Commands} commands): {sw.Elapsed.TotalSeconds:F2} s");
}

if (big)
{
    using var ns = new Netns();
    using var nft = new NftClient(ns.Name);
    var p = new ProxySyncer(nft, cfg);
    GC.Collect();
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < 50000; i++) p.SetService(Svc(i), Eps(i, 5));
    Check(p.Sync());
    sw.Stop();
    using var self = Process.GetCurrentProcess();
    self.Refresh();
    Console.WriteLine($"program 50000 services x 5 endpoints from empty: {sw.Elapsed.TotalSeconds:F2} s, peak working set {self.PeakWorkingSet64 / (1 << 20)} MiB, batch {nft.LastBatchBytes / 1e6:F1} MB");
}

if (datapath) DataPath.Run(cfg, services);
return 0;

static List<EndpointInfo> ChangedEps(int i) => [new(IPAddress.Parse($"10.2.{i}.1"), 8080), new(IPAddress.Parse($"10.2.{i}.2"), 8080)];

int Arg(string name, int def) { int i = Array.IndexOf(args, name); return i >= 0 ? int.Parse(args[i + 1]) : def; }
static TimeSpan Cpu() { using var me = Process.GetCurrentProcess(); return me.TotalProcessorTime; }
static void Check(bool ok) { if (!ok) throw new Exception("sync failed"); }
static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }

static ServicePortInfo Svc(int i) => new(new ServicePortName("bench", $"svc{i}", "p80", ProxyProtocols.Tcp),
    new IPAddress([10, (byte)(96 + i / 65536), (byte)(i / 256 % 256), (byte)(i % 256)]), 80);
static List<EndpointInfo> Eps(int i, int n) => Enumerable.Range(0, n).Select(k =>
    new EndpointInfo(new IPAddress([10, (byte)(128 + k), (byte)(i / 256 % 256), (byte)(i % 256)]), 8080)).ToList();

