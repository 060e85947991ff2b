// bench/netpol: how fast podnetd netpol programs NetworkPolicy, how fast a label change is
// enforced, and what enforcement costs a new connection.
//   bench/netpol/run.sh   (or: dotnet run -c Release --project bench/netpol [-- --pods 1000 --policies 1000 --rounds 25 --pairs 60 --selecting 0])
//   --selecting K adds K policies selecting the measured server and K selecting the client (none allowing it).
// Everything runs in throwaway pnt-bench-* namespaces (and a temporary API server) removed at the end.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Agent.Policy.Compile;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Agent.Policy.Sync;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.ControlPlane;
using Podnet.Linux.Nftables;

int pods = Arg("--pods", 1000), policies = Arg("--policies", 1000), rounds = Arg("--rounds", 25), pairs = Arg("--pairs", 60), selecting = Arg("--selecting", 0);
var table = new NftTable(NftFamily.Ip, PolicyNames.DefaultTable);
Console.WriteLine($"# bench/netpol on {Environment.MachineName}, {Environment.ProcessorCount} cpus, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, load average {Load()}");

var podObjs = Enumerable.Range(0, pods).Select(i => World.Pod(i)).ToList();
var polObjs = Enumerable.Range(0, policies).Select(World.Policy).ToList();

// 1. Compiler + syncer straight to the kernel: programming from empty, and single label changes.
using (var ns = new Netns())
{
    using var nft = new NftClient(ns.Name);
    var compiler = new PolicyCompiler(table, "node-1");
    var syncer = new PolicySyncer(nft, table);
    var sw = Stopwatch.StartNew();
    var cpuStart = Cpu();
    for (int k = 0; k < World.Namespaces; k++) compiler.SetNamespace($"ns-{k}", World.NsLabels(k));
    foreach (var p in podObjs) compiler.UpsertPod(World.Info(p));
    foreach (var p in polObjs) compiler.UpsertPolicy(PolicyParser.Parse(p));
    foreach (var (key, o) in compiler.Drain()) syncer.SetUnit(key, o);
    var compile = sw.Elapsed;
    Check(syncer.Sync());
    sw.Stop();
    var programCpu = Cpu() - cpuStart;
    var state = nft.List(table)!;
    Console.WriteLine($"program {policies} policies x {pods} pods from empty: {sw.Elapsed.TotalSeconds:F2} s wall, {programCpu.TotalSeconds:F2} s cpu (compile {compile.TotalSeconds:F2} s, one transaction of {syncer.LastSync.Commands} commands; table: {state.Chains.Count} chains, {state.Rules.Count} rules, {state.Sets.Count} sets, {state.Elements.Values.Sum(e => e.Count)} elements)");

    var times = new List<double>();
    var cpus = new List<double>();
    var cmds = new List<int>();
    for (int r = 0; r < rounds; r++)
    {
        int i = r * 37 % pods;
        var moved = World.Pod(i) with { Metadata = World.Pod(i).Metadata with { Labels = new() { ["app"] = $"a{(i + 10 * (r + 1)) % World.Apps}", ["ver"] = $"v{i % 3}" } } };
        sw.Restart();
        var cpu0 = Cpu();
        compiler.UpsertPod(World.Info(moved));
        foreach (var (key, o) in compiler.Drain()) syncer.SetUnit(key, o);
        Check(syncer.Sync());
        times.Add(sw.Elapsed.TotalMilliseconds);
        cpus.Add((Cpu() - cpu0).TotalMilliseconds);
        cmds.Add(syncer.LastSync.Commands);
    }
    Console.WriteLine($"one pod label change, compile + commit: median {Median(times):F2} ms wall ({Median(cpus):F1} ms cpu, user+kernel), max {times.Max():F2} ms, median {cmds.Order().ElementAt(cmds.Count / 2)} commands ({rounds} changes)");

    sw.Restart();
    var again = new PolicySyncer(nft, table);
    var c2 = new PolicyCompiler(table, "node-1");
    for (int k = 0; k < World.Namespaces; k++) c2.SetNamespace($"ns-{k}", World.NsLabels(k));
    foreach (var p in podObjs) c2.UpsertPod(World.Info(p));
    foreach (var p in polObjs) c2.UpsertPolicy(PolicyParser.Parse(p));
    again.Restore();
    foreach (var (key, o) in c2.Drain()) again.SetUnit(key, o);
    Check(again.Sync());
    Console.WriteLine($"restart (read back + reconcile; the {rounds} changed pods are restored to their original labels): {sw.Elapsed.TotalSeconds:F2} s, {again.LastSync.Commands} commands");
}

// 2. The agent against a real API server: list + program, then label changes from the API write to the commit.
await ApiRun();

// 3. Data path: new-connection latency between two pods on one bridge, the agent's table with no policy vs every policy, interleaved.
DataPath.Run(table, podObjs, polObjs, pairs, selecting);
return 0;

async Task ApiRun()
{
    var dir = Directory.CreateTempSubdirectory("pnt-bench-netpol-").FullName;
    var host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions { SocketPath = Path.Combine(dir, "api.sock"), DataDir = Path.Combine(dir, "data"), RunControllers = false });
    try
    {
        using var client = new ApiClient(Path.Combine(dir, "api.sock"));
        var sw = Stopwatch.StartNew();
        for (int k = 0; k < World.Namespaces; k++)
        {
            var nsObj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = $"ns-{k}", ["labels"] = KubeJson.From(World.NsLabels(k)) } };
            await client.CreateAsync(nsObj);
        }
        await Parallel.ForEachAsync(podObjs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, ct) =>
        {
            var created = await client.CreateAsync(KubeJson.From(p with { Status = null }), ct: ct);
            created["status"] = KubeJson.From(p.Status!);
            await client.UpdateStatusAsync(created, ct);
        });
        await Parallel.ForEachAsync(polObjs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, ct) => await client.CreateAsync(KubeJson.From(p), ct: ct));
        Console.Error.WriteLine($"(api: {pods} pods and {policies} policies created in {sw.Elapsed.TotalSeconds:F1} s)");

        using var ns = new Netns();
        using var nft = new NftClient(ns.Name);
        TaskCompletionSource<(int, TimeSpan)> synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new PolicyAgent(client, nft, "node-1", _ => { }) { OnSynced = (n, t) => synced.TrySetResult((n, t)) };
        using var cts = new CancellationTokenSource();
        sw.Restart();
        var run = Task.Run(() => agent.RunAsync(cts.Token));
        var first = await synced.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine($"agent start to {policies} policies x {pods} pods enforced (list via API + compile + commit): {sw.Elapsed.TotalSeconds:F2} s ({first.Item1} commands)");

        var times = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            int i = (r * 53 + 11) % pods;
            synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
            var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = $"a{(i + 10 * (r + 1)) % World.Apps}" } } };
            sw.Restart();
            await client.PatchAsync(ApiResources.Pods, World.Ns(i), $"p{i}", patch);
            await synced.Task.WaitAsync(TimeSpan.FromSeconds(10));
            times.Add(sw.Elapsed.TotalMilliseconds);
            await Task.Delay(20);
        }
        Console.WriteLine($"one pod label change, API write to nft commit (watch + compile + commit): median {Median(times):F1} ms, max {times.Max():F1} ms ({rounds} changes)");
        cts.Cancel();
        try { await run; } catch (OperationCanceledException) { }
    }
    finally
    {
        await host.StopAsync();
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}

int Arg(string name, int def) { int i = Array.IndexOf(args, name); return i >= 0 ? int.Parse(args[i + 1]) : def; }
static TimeSpan Cpu() { using var me = Process.GetCurrentProcess(); return me.TotalProcessorTime; }
static void Check(bool ok) { if (!ok) throw new Exception("sync failed"); }
static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

