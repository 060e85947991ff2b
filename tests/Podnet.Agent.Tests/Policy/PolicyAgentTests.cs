using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Agent.Policy.Sync;
using Podnet.Agent.Tests.Overlay;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Linux.Nftables;
using static Podnet.Agent.Tests.Policy.PolicyLab;

namespace Podnet.Agent.Tests.Policy;

/// <summary>The whole agent: a real API server, informers, and rules checked with real connections.</summary>
public sealed class PolicyAgentTests
{
    internal static async Task CreatePodAsync(ApiClient c, string ns, string name, string ip, string labels, string node = "node-1")
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = Enforcer.Labels(labels) },
            Spec = new PodSpec { NodeName = node, Containers = [new Container { Name = "c", Image = "x", Ports = [new ContainerPort { Name = "web", Port = 8080 }] }] },
        };
        var created = await c.CreateAsync(KubeJson.From(pod));
        created["status"] = new JsonObject { ["phase"] = "Running", ["podIP"] = ip, ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip }) };
        await c.UpdateStatusAsync(created);
    }

    internal static async Task ApplyAsync(ApiClient c, string yaml)
    {
        foreach (var o in ManifestParser.ParseObjects(yaml))
        {
            var r = ApiResources.All.First(x => x.Kind == o.Kind());
            if (await c.TryGetAsync(r, o.Namespace(), o.Name()!) is { } cur)
            {
                o["metadata"]!["resourceVersion"] = cur.ResourceVersion();
                await c.UpdateAsync(o);
            }
            else await c.CreateAsync(o);
        }
    }

    [Fact]
    public async Task PoliciesAndLabelChangesFromTheApiAreEnforcedLive()
    {
        await using var api = await TestApi.StartAsync();
        using var client = api.Client();
        using var lab = new PolicyLab(3);
        using var nft = new NftClient(lab.Node.Name);
        var logs = new List<string>();
        var agent = new PolicyAgent(client, nft, "node-1", m => { lock (logs) logs.Add(m); });
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => agent.RunAsync(cts.Token));
        try
        {
            await ApplyAsync(client, "apiVersion: v1\nkind: Namespace\nmetadata: { name: x }");
            await CreatePodAsync(client, "x", "a", "10.244.1.10", "pod=a");
            await CreatePodAsync(client, "x", "b", "10.244.1.11", "pod=b");
            await CreatePodAsync(client, "x", "c", "10.244.1.12", "pod=c");
            await ApplyAsync(client, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: { name: allow-b, namespace: x }
                spec:
                  podSelector: { matchLabels: { pod: a } }
                  ingress: [ { from: [ { podSelector: { matchLabels: { role: client } } } ] } ]
                """);
            Assert.True(await Until(async () => !await TcpAsync(lab.Pods[1], PodIp(0), 80)), Logs(logs));
            Assert.True(await TcpAsync(lab.Pods[0], PodIp(1), 80));

            // Label b as a client: allowed within the target time (API write to rule commit, plus watch).
            var sw = Stopwatch.StartNew();
            await client.PatchAsync(ApiResources.Pods, "x", "b", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["role"] = "client" } } });
            Assert.True(await Until(() => TcpAsync(lab.Pods[1], PodIp(0), 80, 200)), Logs(logs));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"label change took {sw.Elapsed}");
            Assert.False(await TcpAsync(lab.Pods[2], PodIp(0), 80));

            // Deleting the policy opens a for c.
            await client.DeleteAsync(ApiResources.NetworkPolicies, "x", "allow-b");
            Assert.True(await Until(() => TcpAsync(lab.Pods[2], PodIp(0), 80, 200)), Logs(logs));
        }
        finally
        {
            cts.Cancel();
            try { await run; } catch (OperationCanceledException) { }
        }
    }

    [Fact]
    public async Task ARestartedAgentReadsTheTableBackAndRewritesNothing()
    {
        await using var api = await TestApi.StartAsync();
        using var client = api.Client();
        using var lab = new PolicyLab(2);
        await ApplyAsync(client, "apiVersion: v1\nkind: Namespace\nmetadata: { name: x }");
        await CreatePodAsync(client, "x", "a", "10.244.1.10", "pod=a");
        await CreatePodAsync(client, "x", "b", "10.244.1.11", "pod=b");
        await ApplyAsync(client, """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: { name: deny, namespace: x }
            spec: { podSelector: { matchLabels: { pod: a } } }
            """);

        async Task<int> RunUntilSynced()
        {
            using var nft = new NftClient(lab.Node.Name);
            var synced = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var agent = new PolicyAgent(client, nft, "node-1", _ => { }) { OnSynced = (n, _) => synced.TrySetResult(n) };
            using var cts = new CancellationTokenSource();
            var run = Task.Run(() => agent.RunAsync(cts.Token));
            try { return await synced.Task.WaitAsync(TimeSpan.FromSeconds(10)); }
            finally
            {
                cts.Cancel();
                try { await run; } catch (OperationCanceledException) { }
            }
        }

        Assert.True(await RunUntilSynced() > 0);
        var rules = lab.Node.Output("nft", "-a", "list", "table", "ip", "podnet-policy");
        Assert.False(await TcpAsync(lab.Pods[1], PodIp(0), 80)); // enforced while no agent runs
        Assert.Equal(0, await RunUntilSynced());
        Assert.Equal(rules, lab.Node.Output("nft", "-a", "list", "table", "ip", "podnet-policy"));
        Assert.False(await TcpAsync(lab.Pods[1], PodIp(0), 80));
    }

    private static string Logs(List<string> logs) { lock (logs) return string.Join("\n", logs); }

    internal static async Task<bool> Until(Func<Task<bool>> cond, double seconds = 10)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await cond()) return true;
            await Task.Delay(20);
        }
        return await cond();
    }
}
