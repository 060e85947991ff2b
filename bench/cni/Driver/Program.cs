using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

// cni-bench: ADD then DEL of N pods with C concurrent callers, for podnet-cni and for the reference
// bridge + host-local, in the same run, each in its own fresh throwaway node namespace (pnt-cnibench-*).
// The plugins are started from threads inside the node namespace, exactly as a runtime on that node would.
int pods = Arg("--pods", 200), callers = Arg("--callers", 16), rounds = Arg("--rounds", 1);
bool masq = args.Contains("--masq");
string podnetBin = ArgS("--podnet-bin", Path.Combine(AppContext.BaseDirectory, "../../../../../out/bin"));
string refBin = ArgS("--ref-bin", "/usr/lib/cni");
string tag = Guid.NewGuid().ToString("n")[..6];
var podNs = new List<NetNs>();
var results = new Dictionary<string, (List<double> Add, List<double> Del)>
{
    ["podnet-cni"] = ([], []), ["reference"] = ([], []),
};
// DEL until the host veth is really gone (kernel RTM_DELLINK), and CPU per call (all processes of the call).
var gone = new Dictionary<string, List<double>> { ["podnet-cni"] = [], ["reference"] = [] };
var cpu = new Dictionary<string, (double AddNs, double DelNs, int Calls)> { ["podnet-cni"] = (0, 0, 0), ["reference"] = (0, 0, 0) };
var hostVeth = new string?[pods];
var delStart = new DateTime[pods];
CpuAccount? acct = null;
int failures = 0;
try
{
    for (int i = 0; i < pods; i++) podNs.Add(NetNs.Create($"pnt-cnibench-{tag}-p{i}"));
    for (int r = 0; r < rounds; r++)
        foreach (var set in r % 2 == 0 ? new[] { "reference", "podnet-cni" } : new[] { "podnet-cni", "reference" })
            failures += RunSet(set, results[set].Add, results[set].Del);
}
finally
{
    foreach (var ns in podNs) { ns.Dispose(); NetNs.Delete(ns.Name!); }
}

Console.WriteLine($"\n{pods} pods, {callers} concurrent callers, {rounds} round(s), ipMasq={masq}, {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
Console.WriteLine("| plugin | ADD p50 ms | ADD p99 ms | DEL p50 ms | DEL p99 ms | DEL → veth gone p50 / p99 ms | CPU per ADD / DEL ms |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var (name, (add, del)) in results)
{
    var c = cpu[name];
    string cpuText = c.Calls > 0 ? $"{c.AddNs / c.Calls / 1e6:F1} / {c.DelNs / c.Calls / 1e6:F1}" : "n/a";
    Console.WriteLine($"| {name} | {P(add, 50):F1} | {P(add, 99):F1} | {P(del, 50):F1} | {P(del, 99):F1} | {P(gone[name], 50):F1} / {P(gone[name], 99):F1} | {cpuText} |");
}
var (ra, rd) = results["reference"]; var (pa, pd) = results["podnet-cni"];
Console.WriteLine($"\nratio reference/podnet-cni: ADD p50 {P(ra, 50) / P(pa, 50):F1}x, DEL p50 {P(rd, 50) / P(pd, 50):F1}x " +
                  $"(targets: ADD >= 5x, DEL >= 10x)");
Console.WriteLine(failures == 0 ? "checks: all calls succeeded, no duplicate IP, nothing left behind" : $"checks: {failures} FAILED");
return failures == 0 ? 0 : 1;

int RunSet(string set, List<double> addLat, List<double> delLat)
{
    bool ours = set == "podnet-cni";
    string node = $"pnt-cnibench-{tag}-node-{(ours ? "pn" : "ref")}";
    string dataDir = Path.Combine(Path.GetTempPath(), node);
    using var nodeNs = NetNs.Create(node);
    int fail = 0;
    acct = CpuAccount.TryCreate(node);
    try
    {
        using var monitor = new LinkMonitor(nodeNs);
        Array.Clear(hostVeth);
        var conf = new JsonObject
        {
            ["cniVersion"] = "1.0.0", ["name"] = "bench", ["type"] = ours ? "podnet-cni" : "bridge", ["bridge"] = "cni0",
            ["isGateway"] = true, ["ipMasq"] = masq,
            ["ipam"] = new JsonObject
            {
                ["type"] = ours ? "podnet-ipam" : "host-local", ["dataDir"] = dataDir,
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = "10.88.0.0/24" })),
            },
        }.ToJsonString();
        string bin = ours ? Path.Combine(podnetBin, "podnet-cni") : Path.Combine(refBin, "bridge");
        string path = ours ? podnetBin : refBin;
        var ips = new ConcurrentBag<string>();
        long cpu0 = acct?.UsageNs ?? 0;
        fail += Phase("ADD", i => Call(nodeNs, bin, path, "ADD", i, conf, addLat, ips));
        long cpu1 = acct?.UsageNs ?? 0;
        var dup = ips.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dup.Count > 0) { Console.Error.WriteLine($"{set}: duplicate IPs {string.Join(",", dup)}"); fail++; }
        if (ips.Count != pods) { Console.Error.WriteLine($"{set}: {ips.Count} IPs for {pods} pods"); fail++; }
        fail += Phase("DEL", i => Call(nodeNs, bin, path, "DEL", i, conf, delLat, null));
        // podnet-cni finishes veth removal in a detached child: give it a bounded moment.
        var sw = Stopwatch.StartNew();
        int veths;
        using (var rt = Rtnl.Open(nodeNs))
            while ((veths = rt.ListLinks().Count(l => l.Kind == "veth")) > 0 && sw.ElapsedMilliseconds < 15000) Thread.Sleep(50);
        Thread.Sleep(300); // the last RTM_DELLINK notifications, and the reapers' exit
        long cpu2 = acct?.UsageNs ?? 0;
        if (acct is not null)
        {
            var c = cpu[set];
            cpu[set] = (c.AddNs + cpu1 - cpu0, c.DelNs + cpu2 - cpu1, c.Calls + pods);
        }
        for (int i = 0; i < pods; i++)
        {
            if (hostVeth[i] is { } hv && monitor.Deleted.TryGetValue(hv, out var t)) gone[set].Add((t - delStart[i]).TotalMilliseconds);
            else { Console.Error.WriteLine($"{set}: pod {i}: no deletion seen for host veth {hostVeth[i] ?? "(unknown)"}"); fail++; }
        }
        // Per-directory bookkeeping stays, as for host-local: the lock, last_reserved_ip.N, podnet-ipam's stamp.
        var left = Directory.Exists(Path.Combine(dataDir, "bench"))
            ? Directory.GetFiles(Path.Combine(dataDir, "bench")).Select(Path.GetFileName).Where(f => f is not ("lock" or ".podnet-stamp") && !f!.StartsWith("last_reserved_ip")).ToList()
            : [];
        if (veths > 0 || left.Count > 0) { Console.Error.WriteLine($"{set}: left behind {veths} veths, IP files {string.Join(",", left)}"); fail++; }
        Console.Error.WriteLine($"{set}: ADD p50 {P(addLat, 50):F1} ms, DEL p50 {P(delLat, 50):F1} ms");
    }
    finally
    {
        NetNs.Delete(node);
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        acct?.Dispose();
        acct = null;
    }
    return fail;
}

int Phase(string what, Func<int, bool> call)
{
    // One dedicated thread per caller: the thread pool would add blocked workers only slowly.
    int next = -1, fail = 0;
    var workers = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < pods)
            if (!call(i)) Interlocked.Increment(ref fail);
    })).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
    return fail;
}

bool Call(NetNs nodeNs, string bin, string cniPath, string cmd, int i, string conf, List<double> lat, ConcurrentBag<string>? ips)
{
    // Each call starts from a thread inside the node namespace, so the plugin runs there.
    return nodeNs.Run(() =>
    {
        var psi = new ProcessStartInfo(bin)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["CNI_COMMAND"] = cmd;
        psi.Environment["CNI_CONTAINERID"] = $"bench{i:D4}";
        psi.Environment["CNI_NETNS"] = podNs[i].Path;
        psi.Environment["CNI_IFNAME"] = "eth0";
        psi.Environment["CNI_PATH"] = cniPath;
        var sw = Stopwatch.StartNew();
        if (cmd == "DEL") delStart[i] = DateTime.Now;
        acct?.JoinCallingThread();
        Process p;
        try { p = Process.Start(psi)!; }
        finally { if (acct is not null) CpuAccount.LeaveCallingThread(); }
        using var _ = p;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(conf);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double ms = sw.Elapsed.TotalMilliseconds;
        lock (lat) lat.Add(ms);
        if (p.ExitCode != 0) { Console.Error.WriteLine($"{bin} {cmd} pod {i}: exit {p.ExitCode}: {output} {err.Result}"); return false; }
        if (ips is not null)
        {
            var result = JsonNode.Parse(output)!;
            foreach (var ip in result["ips"]!.AsArray()) ips.Add((string)ip!["address"]!);
            // The host end: the interface that is neither the bridge nor in the sandbox.
            hostVeth[i] = result["interfaces"]!.AsArray().Select(x => x!).FirstOrDefault(x => x["sandbox"] is null && (string)x["name"]! != "cni0")?["name"]?.GetValue<string>();
        }
        return true;
    });
}

static double P(List<double> xs, int pct)
{
    if (xs.Count == 0) return double.NaN;
    var s = xs.Order().ToList();
    return s[Math.Clamp((int)Math.Ceiling(pct / 100.0 * s.Count) - 1, 0, s.Count - 1)];
}

int Arg(string name, int def) => Array.IndexOf(args, name) is var k and >= 0 && k + 1 < args.Length ? int.Parse(args[k + 1]) : def;
string ArgS(string name, string def) => Array.IndexOf(args, name) is var k and >= 0 && k + 1 < args.Length ? args[k + 1] : def;
