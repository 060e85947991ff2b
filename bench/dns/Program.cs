using System.Runtime.InteropServices;
using System.Diagnostics;
using System.Net;
using System.Text;
using Podnet.Dns;
using Podnet.Dns.Client;
using Podnet.Dns.Cluster;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

// bench/dns helper. Modes:
//   gen DIR SERVICES ENDPOINTS   cluster state (JSON), the equivalent Knot zone file, dnsperf query files
//   serve ARGS...                podnet dns (DnsCommand.RunAsync) until SIGTERM
//   change STATE SERVER          time from publishing a Service change to seeing it in answers (in-process)
var mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "gen": Gen(args[1], int.Parse(args[2]), int.Parse(args[3])); return 0;
    case "serve":
    {
        using var cts = new CancellationTokenSource();
        using var sig = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        return await DnsCommand.RunAsync(args[1..], cts.Token);
    }
    case "change": return await Change(args[1]);
    default:
        Console.Error.WriteLine("usage: Podnet.Dns.Bench gen DIR SERVICES ENDPOINTS | serve ARGS... | change STATE");
        return 2;
}

// Services spread over 10 namespaces; every 5th is headless and carries the endpoints, the rest are
// ClusterIP with one named port. Addresses are unique so the Knot zone is the same data.
static ClusterState State(int services, int endpoints)
{
    var list = new List<DnsService>(services);
    int headless = Math.Max(1, services / 5), perHeadless = Math.Max(1, endpoints / headless), ep = 0;
    IReadOnlyList<DnsServicePort> ports = [new("http", "TCP", 8080)];
    for (int i = 0; i < services; i++)
    {
        string ns = $"ns{i % 10}", name = $"svc{i}";
        if (i % 5 == 0)
        {
            var eps = new List<DnsEndpoint>(perHeadless);
            for (int j = 0; j < perHeadless; j++, ep++)
                eps.Add(new DnsEndpoint(new IPAddress([10, (byte)(128 + (ep >> 16)), (byte)(ep >> 8), (byte)ep]), null, true, ports));
            list.Add(new DnsService(ns, name, ServiceKind.Headless, [], null, ports, eps));
        }
        else
            list.Add(new DnsService(ns, name, ServiceKind.ClusterIP, [new IPAddress([10, 96, (byte)(i >> 8), (byte)i])], null, ports, []));
    }
    return new ClusterState(list, []);
}

static void Gen(string dir, int services, int endpoints)
{
    Directory.CreateDirectory(dir);
    var state = State(services, endpoints);
    StateFile.Save(state, Path.Combine(dir, "state.json"));
    var zone = new StringBuilder();
    zone.Append("$ORIGIN cluster.local.\n$TTL 5\n");
    zone.Append("@ SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5\n@ NS ns.dns.cluster.local.\nns.dns A 10.96.0.10\n");
    zone.Append("dns-version TXT \"1.1.0\"\n");
    var queries = new StringBuilder();
    foreach (var s in state.Services)
    {
        string n = $"{s.Name}.{s.Namespace}.svc";
        if (s.Kind == ServiceKind.ClusterIP)
        {
            zone.Append($"{n} A {s.ClusterIPs[0]}\n_http._tcp.{n} SRV 0 100 8080 {n}.cluster.local.\n");
            queries.Append($"{n}.cluster.local A\n");
        }
        else
        {
            foreach (var e in s.Endpoints)
            {
                var host = ZoneBuilder.Dashed(e.Address);
                zone.Append($"{n} A {e.Address}\n{host}.{n} A {e.Address}\n");
            }
            queries.Append($"{ZoneBuilder.Dashed(s.Endpoints[0].Address)}.{n}.cluster.local A\n");
        }
    }
    File.WriteAllText(Path.Combine(dir, "cluster.local.zone"), zone.ToString());
    File.WriteAllText(Path.Combine(dir, "queries.txt"), queries.ToString());
    Console.WriteLine($"generated {state.Services.Count} services, {state.Services.Sum(s => s.Endpoints.Count)} endpoints in {dir}");
}

// Publishes one changed Service into a running in-process server holding STATE and polls over UDP
// until the new address is served; prints milliseconds, and the process RSS with the big state loaded.
static async Task<int> Change(string stateFile)
{
    var state = StateFile.Load(stateFile);
    var config = new Podnet.Dns.Config.DnsConfig { Listen = new IPEndPoint(IPAddress.Loopback, 0), Upstreams = [], UdpWorkers = 2 };
    await using var host = DnsHost.Start(config);
    var t0 = Stopwatch.GetTimestamp();
    host.Updater.Apply(state);
    var initial = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    long heap = GC.GetTotalMemory(true);
    long rss = Environment.WorkingSet;
    Console.WriteLine($"heap_mb={heap / 1048576.0:F0}");
    var timings = new List<double>();
    for (int round = 0; round < 5; round++)
    {
        var target = state.Services.First(s => s.Kind == ServiceKind.ClusterIP);
        var newIp = new IPAddress([10, 111, 0, (byte)(round + 1)]);
        var changed = target with { ClusterIPs = [newIp] };
        state = state with { Services = state.Services.Select(s => ReferenceEquals(s, target) ? changed : s).ToList() };
        var name = $"{target.Name}.{target.Namespace}.svc.cluster.local";
        var start = Stopwatch.GetTimestamp();
        host.Updater.Publish(state);
        while (true)
        {
            var m = await DnsClient.QueryAsync(host.Server.LocalEndPoint, name, RecordType.A);
            if (m.Answers.Count == 1 && m.Answers[0].Data == newIp.ToString()) break;
            if (Stopwatch.GetElapsedTime(start).TotalSeconds > 10) { Console.Error.WriteLine("change not visible after 10 s"); return 1; }
        }
        timings.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    Console.WriteLine($"names={host.Server.Zone.Current.NameCount} initial_build_ms={initial:F0} rss_mb={rss / 1048576.0:F0} " +
                      $"change_visible_ms_max={timings.Max():F1} change_visible_ms_median={timings.Order().ElementAt(timings.Count / 2):F1}");
    return 0;
}
