using System.Diagnostics;
using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Agent.Tests.Overlay;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Tests.Proxy;

/// <summary>The whole proxy: a real API server, informers, and rules carrying real connections.</summary>
public sealed class ProxyAgentTests
{
    private static EndpointSlice Slice(params string[] ips) => new()
    {
        Metadata = new ObjectMeta { Name = "web-1", Namespace = "default", Labels = new() { [EndpointSlice.ServiceNameLabel] = "web" } },
        Ports = [new EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. ips.Select(ip => new Endpoint { Addresses = [ip], Conditions = new EndpointConditions { Ready = true }, NodeName = "node-1" })],
    };

    [Fact]
    public async Task ServicesFromTheApiBecomeRulesAndEndpointChangesApplyWithinASecond()
    {
        await using var api = await TestApi.StartAsync();
        using var client = api.Client();
        using var lab = new ProxyLab();
        using var nft = new NftClient(lab.Node.Name);
        using var ct = new NfConntrack(lab.Node.Name);
        var logs = new List<string>();
        var agent = new ProxyAgent(client, nft, ct, new ProxyConfig { ClusterCidr = IPNetwork.Parse("10.0.0.0/16") }, "node-1", m => { lock (logs) logs.Add(m); });
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => agent.RunAsync(cts.Token));
        try
        {
            await client.CreateAsync(new Service
            {
                Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
                Spec = new ServiceSpec { ClusterIP = "10.96.0.10", Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = IntOrString.FromString("http") }] },
            });
            var slice = KubeJson.From(await client.CreateAsync(Slice("10.0.1.2", "10.0.1.3")));

            Assert.True(await Until(() => lab.Connect("10.96.0.10", 80, 1).StartsWith("10.0.0.1 10.0.1.")), Logs(logs));
            var seen = lab.ConnectMany("10.96.0.10", 80, 30).Select(a => a.Split(' ').Last()).Distinct().Order().ToArray();
            Assert.Equal(["10.0.1.2", "10.0.1.3"], seen);

            // Remove one endpoint: within a second no new connection reaches it.
            var latest = await client.GetAsync(ApiResources.EndpointSlices, "default", "web-1");
            var updated = KubeJson.From(Slice("10.0.1.3"));
            updated["metadata"]!["resourceVersion"] = latest.ResourceVersion();
            var sw = Stopwatch.StartNew();
            await client.UpdateAsync(updated);
            Assert.True(await Until(() => lab.Node.Exec("nft", "list", "table", "ip", "podnet-proxy").Stdout.Contains("10.0.1.2") == false), Logs(logs));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"endpoint removal took {sw.Elapsed}");
            Assert.All(lab.ConnectMany("10.96.0.10", 80, 10), a => Assert.Equal("10.0.0.1 10.0.1.3", a));

            // Delete the service: its rules go.
            await client.DeleteAsync(ApiResources.Services, "default", "web");
            Assert.True(await Until(() => !lab.Node.Exec("nft", "list", "table", "ip", "podnet-proxy").Stdout.Contains("default/web")), Logs(logs));
        }
        finally
        {
            cts.Cancel();
            try { await run; } catch (OperationCanceledException) { }
        }
    }

    private static string Logs(List<string> logs) { lock (logs) return string.Join("\n", logs); }

    private static async Task<bool> Until(Func<bool> cond, double seconds = 10)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (cond()) return true;
            await Task.Delay(20);
        }
        return cond();
    }
}
