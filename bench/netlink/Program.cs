// Measures what a CNI ADD+DEL does to the kernel (veth with the peer in a pod netns, address,
// link up, default route, delete) through Podnet.Linux and through one `ip` process per step,
// plus the cost of getting a netlink socket into a namespace. Everything happens inside two
// throwaway pnt- namespaces that are removed at the end, also on failure or Ctrl-C.
using System.Diagnostics;
using System.Net;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

int iterations = args.Length > 0 && int.TryParse(args[0], out int n) ? Math.Clamp(n, 10, 5000) : 500;
string tag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
string hostName = $"pnt-bench-h{tag}", podName = $"pnt-bench-p{tag}";
Console.CancelKeyPress += (_, e) => { e.Cancel = true; Cleanup(); Environment.Exit(130); };

try
{
    using var host = NetNs.Create(hostName);
    using var pod = NetNs.Create(podName);
    using var h = Rtnl.Open(host);
    using var p = Rtnl.Open(pod);
    h.AddBridge("br0");
    h.AddAddress("br0", IPAddress.Parse("10.99.0.1"), 24);
    h.SetUp("br0");
    p.SetUp("lo");

    Console.WriteLine($"podnet-bench-netlink: {iterations} iterations, namespaces {hostName} / {podName}");
    Report("Rtnl.Open(ns)              (dedicated thread)", Time(iterations, () => Rtnl.Open(pod).Dispose()));
    Report("Rtnl.OpenOnCallingThread(ns) (setns + back)", Time(iterations, () => Rtnl.OpenOnCallingThread(pod).Dispose()));
    Report("NetNs.Run(no-op)", Time(iterations, () => pod.Run(() => 0)));
    Report("GetLink(\"br0\")", Time(iterations, () => h.GetLink("br0")));
    int nsIterations = Math.Max(10, iterations / 10);
    Report("NetNs.Create + Delete", Time(nsIterations, () => { NetNs.Create($"pnt-bench-x{tag}").Dispose(); NetNs.Delete($"pnt-bench-x{tag}"); }));
    Report("ip netns add + del (2 processes)", Time(nsIterations, () => { Ip("netns", "add", $"pnt-bench-x{tag}"); Ip("netns", "del", $"pnt-bench-x{tag}"); }));

    var gw = IPAddress.Parse("10.99.0.1");
    var podIp = IPAddress.Parse("10.99.0.2");
    var lib = Time(iterations, () =>
    {
        h.AddVeth("vbench0", "eth0", pod);
        h.SetMaster("vbench0", "br0");
        h.SetUp("vbench0");
        p.AddAddress("eth0", podIp, 24);
        p.SetUp("eth0");
        p.ReplaceRoute(new Route { Gateway = gw });
        h.DeleteLink("vbench0");
    });
    Report("pod wiring via Podnet.Linux (7 requests)", lib);

    // Where the time goes: each step on its own.
    var steps = new (string Name, double[] Us)[]
    {
        ("  add veth (peer into pod ns)", new double[iterations]), ("  set master", new double[iterations]),
        ("  set up (host side)", new double[iterations]), ("  add address (pod)", new double[iterations]),
        ("  set up (pod)", new double[iterations]), ("  replace default route (pod)", new double[iterations]),
        ("  delete veth", new double[iterations]),
    };
    Action[] ops =
    [
        () => h.AddVeth("vbench0", "eth0", pod), () => h.SetMaster("vbench0", "br0"), () => h.SetUp("vbench0"),
        () => p.AddAddress("eth0", podIp, 24), () => p.SetUp("eth0"), () => p.ReplaceRoute(new Route { Gateway = gw }),
        () => h.DeleteLink("vbench0"),
    ];
    for (int i = 0; i < iterations; i++)
        for (int k = 0; k < ops.Length; k++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ops[k]();
            steps[k].Us[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
    foreach (var (name, us) in steps)
    {
        Array.Sort(us);
        Report(name, new Stats(us[iterations / 2], us[Math.Min(iterations - 1, (int)(iterations * 0.99))], iterations));
    }

    int ipIterations = Math.Max(10, iterations / 10); // a process per step is slow; fewer rounds suffice
    var ip = Time(ipIterations, () =>
    {
        Ip("-n", hostName, "link", "add", "vbench0", "type", "veth", "peer", "name", "eth0", "netns", podName);
        Ip("-n", hostName, "link", "set", "vbench0", "master", "br0");
        Ip("-n", hostName, "link", "set", "vbench0", "up");
        Ip("-n", podName, "addr", "add", "10.99.0.2/24", "dev", "eth0");
        Ip("-n", podName, "link", "set", "eth0", "up");
        Ip("-n", podName, "route", "replace", "default", "via", "10.99.0.1");
        Ip("-n", hostName, "link", "del", "vbench0");
    });
    Report("pod wiring via ip (7 processes)", ip);
    Console.WriteLine($"speed-up (median): {ip.Median / lib.Median:F0}x");
}
finally { Cleanup(); }

void Cleanup()
{
    NetNs.Delete($"pnt-bench-x{tag}");
    NetNs.Delete(hostName);
    NetNs.Delete(podName);
}

static void Ip(params string[] a)
{
    var psi = new ProcessStartInfo("ip") { RedirectStandardError = true };
    foreach (var s in a) psi.ArgumentList.Add(s);
    using var proc = Process.Start(psi)!;
    string err = proc.StandardError.ReadToEnd();
    proc.WaitForExit();
    if (proc.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', a)}: {err}");
}

static Stats Time(int count, Action a)
{
    a(); // warm up
    var samples = new double[count];
    for (int i = 0; i < count; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    }
    Array.Sort(samples);
    return new Stats(samples[count / 2], samples[Math.Min(count - 1, (int)(count * 0.99))], count);
}

static void Report(string what, Stats s) =>
    Console.WriteLine($"{what,-48} p50 {Fmt(s.Median),9}  p99 {Fmt(s.P99),9}  ({1e6 / s.Median:F0}/s, n={s.Count})");

static string Fmt(double us) => us >= 1000 ? $"{us / 1000:F2} ms" : $"{us:F1} µs";

record struct Stats(double Median, double P99, int Count);
