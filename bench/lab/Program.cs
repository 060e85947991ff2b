using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Runtime;

// bench/lab driver.
//   run [--rounds N] [--pods N] [--starts N] [--podnet PATH]   prints a markdown table
//   controlplane … / kubelet … / dns …                         the lab daemons (same entry points as podnet)
return args.FirstOrDefault() switch
{
    "controlplane" => await Podnet.ControlPlane.ControlPlaneHost.RunAsync(args[1..], CancellationToken.None),
    "kubelet" => await Podnet.Lab.Kubelet.KubeletCommand.RunAsync(args[1..], CancellationToken.None),
    // The cluster DNS pods' command `podnet dns …` runs here when the kubelets do.
    "dns" => await Podnet.Dns.DnsCommand.RunAsync(args[1..], CancellationToken.None),
    "run" => await Bench.RunAsync(args[1..]),
    _ => 2,
};

static class Bench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int rounds = 3, pods = 12, starts = 30;
        string? podnet = null;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i]); break;
                case "--pods": pods = int.Parse(args[++i]); break;
                case "--starts": starts = int.Parse(args[++i]); break;
                case "--podnet": podnet = args[++i]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        IReadOnlyList<string> daemon = podnet is not null ? [podnet] : ["dotnet", typeof(Bench).Assembly.Location];
        var up = new List<double>(); var upNet = new List<double>(); var down = new List<double>();
        var startsNoProbe = new List<double>(); var startsProbe = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            string name = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            try
            {
                var sw = Stopwatch.StartNew();
                var steps = new List<string>();
                await LabRuntime.UpAsync(new LabOptions { Name = name, Nodes = 3, DaemonCommand = daemon }, new Sync(steps.Add));
                double nodesReady = sw.Elapsed.TotalMilliseconds;
                using var api = LabRuntime.Connect(name);
                await api.CreateAsync(Deployment("web", pods));
                await WaitReadyAsync(api, pods, TimeSpan.FromSeconds(60));
                up.Add(sw.Elapsed.TotalMilliseconds);
                upNet.Add(nodesReady);
                Console.Error.WriteLine($"round {r + 1}: nodes Ready {nodesReady:0} ms, {pods} pods Ready {sw.Elapsed.TotalMilliseconds:0} ms ({string.Join("; ", steps)})");

                if (r == 0)
                {
                    await Task.Delay(1000); // idle lab
                    startsNoProbe.AddRange(await PodStartsAsync(api, starts, probe: false));
                    startsProbe.AddRange(await PodStartsAsync(api, starts, probe: true));
                }
            }
            finally
            {
                var sw = Stopwatch.StartNew();
                LabRuntime.Down(name);
                down.Add(sw.Elapsed.TotalMilliseconds);
                Console.Error.WriteLine($"round {r + 1}: down {sw.Elapsed.TotalMilliseconds:0} ms");
            }
        }
        Console.WriteLine($"| measure | result | target |");
        Console.WriteLine($"|---|---|---|");
        Console.WriteLine($"| `lab up` (vxlan, cluster DNS), returns with 3 nodes and 2 DNS pods Ready: median of {rounds} | {Median(upNet):0} ms | |");
        Console.WriteLine($"| `lab up`, 3 nodes + {pods} pods Running and Ready: median / max of {rounds} | {Median(up):0} / {up.Max():0} ms | < 10,000 ms |");
        Console.WriteLine($"| `lab down` (with {pods} pods): median / max of {rounds} | {Median(down):0} / {down.Max():0} ms | < 3,000 ms |");
        Console.WriteLine($"| pod start, create → Ready with IP, no probe: p50 / p90 / max of {startsNoProbe.Count} | {P(startsNoProbe, 50):0} / {P(startsNoProbe, 90):0} / {startsNoProbe.Max():0} ms | p50 < 200 ms |");
        Console.WriteLine($"| pod start, create → Ready with IP, tcpSocket readiness probe: p50 / p90 / max of {startsProbe.Count} | {P(startsProbe, 50):0} / {P(startsProbe, 90):0} / {startsProbe.Max():0} ms | p50 < 200 ms |");
        Console.WriteLine();
        Console.WriteLine($"daemons: {(podnet is null ? "bench host (dotnet, JIT)" : podnet)}; machine: {Environment.ProcessorCount} CPUs, {Environment.OSVersion.VersionString}, {DateTime.UtcNow:yyyy-MM-dd}");
        return 0;
    }

    /// <summary>Creates pods one at a time on an idle lab (the scheduler picks the node) and times
    /// each from the create call to the first watch event showing it Ready with an IP.</summary>
    private static async Task<List<double>> PodStartsAsync(ApiClient api, int n, bool probe)
    {
        var times = new List<double>();
        var waiting = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource>();
        await using var inf = new Informer(api, ApiResources.Pods, ev =>
        {
            if (IsReady(ev.Object) && waiting.TryRemove(ev.Object.Name()!, out var tcs)) tcs.TrySetResult();
        }, "default");
        await inf.StartAndSyncAsync();
        for (int i = 0; i < n; i++)
        {
            string name = $"start-{(probe ? "p" : "n")}-{i}";
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting[name] = tcs;
            var sw = Stopwatch.StartNew();
            await api.CreateAsync(Pod(name, probe));
            await tcs.Task.WaitAsync(TimeSpan.FromSeconds(20));
            times.Add(sw.Elapsed.TotalMilliseconds);
            await api.DeleteAsync(ApiResources.Pods, "default", name);
            await Task.Delay(100);
        }
        return times;
    }

    private static JsonObject Container(bool probe)
    {
        var c = new JsonObject
        {
            ["name"] = "web", ["image"] = "registry.k8s.io/e2e-test-images/agnhost:2.47",
            ["command"] = new JsonArray("agnhost", "netexec", "--http-port=8080"),
            ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 }),
        };
        if (probe) c["readinessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 8080 } };
        return c;
    }

    private static JsonObject Pod(string name, bool probe) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(Container(probe)), ["terminationGracePeriodSeconds"] = 0 },
    };

    private static JsonObject Deployment(string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1", ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(Container(probe: true)) },
            },
        },
    };

    private static async Task WaitReadyAsync(ApiClient api, int n, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var items = (await api.ListAsync(ApiResources.Pods, "default")).Items;
            if (items.Count(IsReady) >= n) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {items.Count(IsReady)}/{n} pods Ready");
            await Task.Delay(20);
        }
    }

    private static bool IsReady(JsonObject pod) =>
        pod.AtPath("status.podIP") is { Length: > 0 } && pod["metadata"]?["deletionTimestamp"] is null &&
        pod["status"]?["conditions"] is JsonArray c && c.Any(x => x.Str("type") == "Ready" && x.Str("status") == "True");

    private static double Median(List<double> v) => P(v, 50);
    private static double P(List<double> v, int pct)
    {
        if (v.Count == 0) return double.NaN;
        var s = v.Order().ToList();
        return s[Math.Min(s.Count - 1, (int)Math.Ceiling(pct / 100.0 * s.Count) - 1)];
    }

    private sealed class Sync(Action<string> sink) : IProgress<string> { public void Report(string v) => sink(v); }
}
