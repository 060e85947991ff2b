using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Processes;
using Podnet.Lab.Runtime;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Lab;

/// <summary>Pod lifecycle on a 2-node lab, then teardown after kill -9 of the lab's processes.</summary>
public sealed class LabLifecycleTests
{
    private static JsonObject Pod(string name, string node, JsonArray containers, bool hostNetwork = false, string restart = "Always") => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["nodeName"] = node, ["hostNetwork"] = hostNetwork, ["restartPolicy"] = restart, ["containers"] = containers,
            ["terminationGracePeriodSeconds"] = 1,
        },
    };

    private static JsonObject Container(string name, params string[] command) => new()
    {
        ["name"] = name, ["image"] = "ignored", ["command"] = new JsonArray(command.Select(c => (JsonNode)c).ToArray()),
    };

    private static async Task<JsonObject> WaitAsync(TestLab lab, string pod, Func<JsonObject, bool> cond, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonObject? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await lab.Api.TryGetAsync(ApiResources.Pods, "default", pod);
            if (last is not null && cond(last)) return last;
            await Task.Delay(50);
        }
        throw new TimeoutException($"pod {pod}: not {what}: {last?["status"]?.ToJsonString()}\n{lab.Logs()}");
    }

    [Fact]
    public async Task Pods_restart_run_on_the_host_network_are_removed_and_lab_down_after_kill_9_leaves_nothing()
    {
        var lab = new TestLab();
        try
        {
            await lab.UpAsync(2);
            Assert.Contains(lab.Progress, p => p.StartsWith("nodes: 2 Ready"));

            // restartPolicy Always: a container that exits is started again.
            await lab.Api.CreateAsync(Pod("crasher", "node-1", [Container("c", "sh", "-c", "echo started; sleep 0.2; exit 3")]));
            var crasher = await WaitAsync(lab, "crasher", p => p["status"]?["containerStatuses"]?[0]?["restartCount"]?.GetValue<int>() >= 2, "restarted twice");
            Assert.Equal("Running", crasher.AtPath("status.phase"));
            // restartPolicy Never: the pod ends Failed with the exit code.
            await lab.Api.CreateAsync(Pod("once", "node-1", [Container("c", "sh", "-c", "exit 7")], restart: "Never"));
            var once = await WaitAsync(lab, "once", p => p.AtPath("status.phase") == "Failed", "Failed");
            Assert.Equal(7, once["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());

            // hostNetwork: the pod has the node's IP and hostname and serves from the node's namespace.
            // (Ready once it listens: without a probe a pod is Ready as soon as its process runs.)
            var srv = Container("srv", "agnhost", "netexec", "--http-port=9376");
            srv["readinessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 9376 }, ["periodSeconds"] = 1 };
            await lab.Api.CreateAsync(Pod("hostnet", "node-2", [srv], hostNetwork: true));
            var hostnet = await WaitAsync(lab, "hostnet", TestLab.IsReady, "Ready");
            Assert.Equal(LabNames.NodeIp(2).ToString(), hostnet.AtPath("status.podIP"));
            Assert.Equal("node-2\n", Sh.InNetns(lab.Names.NodeNetns(1), "curl", "-sS", "--max-time", "3", $"http://{LabNames.NodeIp(2)}:9376/hostname").Check());

            // A deleted pod's processes, namespace and files go; the object is finalized.
            await lab.Api.CreateAsync(Pod("doomed", "node-2", [Container("c", "agnhost", "netexec")]));
            var doomed = await WaitAsync(lab, "doomed", TestLab.IsReady, "Ready");
            var doomedNs = lab.Names.PodNetns(doomed.Uid()!);
            Assert.True(Podnet.Linux.Netns.NetNs.Exists(doomedNs));
            await lab.Api.DeleteAsync(ApiResources.Pods, "default", "doomed");
            var gone = DateTime.UtcNow.AddSeconds(15);
            while (await lab.Api.TryGetAsync(ApiResources.Pods, "default", "doomed") is not null && DateTime.UtcNow < gone) await Task.Delay(50);
            Assert.Null(await lab.Api.TryGetAsync(ApiResources.Pods, "default", "doomed"));
            Assert.False(Podnet.Linux.Netns.NetNs.Exists(doomedNs));
            Assert.False(Directory.Exists(lab.Names.PodDir("default", "doomed")));

            // kill -9 the control plane, a kubelet, a service proxy and a network agent, then take everything down.
            var daemons = Directory.GetFiles(lab.Names.PidDir, "*.pid").Select(ProcessRecord.ReadFrom).OfType<ProcessRecord>().ToList();
            var nsNames = Directory.GetFiles(Podnet.Linux.Netns.NetNs.RunDir).Select(Path.GetFileName).Where(n => n!.StartsWith(lab.Names.NetnsPrefix)).ToList();
            var nsIds = nsNames.Select(n => NetnsProcesses.IdOf(n!)).OfType<string>().ToHashSet();
            var inside = NetnsProcesses.In(nsIds);
            Assert.True(inside.Count >= 3, $"expected the kubelets and pods inside the lab's namespaces, found {inside.Count}");
            foreach (var name in new[] { "controlplane", "kubelet-node-1", "proxy-node-2", "overlay-node-1" })
                ProcessRecord.ReadFrom(Path.Combine(lab.Names.PidDir, name + ".pid"))!.Kill();
            await Task.Delay(100);

            var sw = System.Diagnostics.Stopwatch.StartNew();
            LabRuntime.Down(lab.Name);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"lab down took {sw.Elapsed}");
            AssertNothingLeft(lab, daemons.Concat(inside).ToList(), nsIds);
            // Idempotent.
            LabRuntime.Down(lab.Name);
            Assert.False(LabRuntime.Status(lab.Name).Exists);
        }
        finally
        {
            await lab.DisposeAsync();
        }
    }

    internal static void AssertNothingLeft(TestLab lab, List<ProcessRecord> processes, HashSet<string> nsIds)
    {
        string prefix = lab.Names.NetnsPrefix;
        Assert.DoesNotContain(Directory.GetFiles(Podnet.Linux.Netns.NetNs.RunDir), f => Path.GetFileName(f).StartsWith(prefix));
        Assert.False(Directory.Exists("/etc/netns") && Directory.GetDirectories("/etc/netns").Any(d => Path.GetFileName(d).StartsWith(prefix)), "an /etc/netns directory is left");
        Assert.False(Directory.Exists(lab.Names.RunDir), lab.Names.RunDir + " is left");
        Assert.False(Directory.Exists(lab.Names.DataDir), lab.Names.DataDir + " is left");
        Assert.Empty(processes.Where(p => p.IsAlive).Select(p => p.Pid));
        // No process holds one of the lab's namespaces: the kernel frees them with their links.
        Assert.Empty(NetnsProcesses.In(nsIds));
        Assert.DoesNotContain(prefix, File.ReadAllText("/proc/self/mountinfo"));
        Assert.DoesNotContain(File.ReadAllText("/proc/1/mountinfo").Split('\n'), l => l.Contains(prefix));
    }
}
