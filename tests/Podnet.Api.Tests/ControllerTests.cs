using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Api.Validation;
using static Podnet.Api.Tests.Objects;

namespace Podnet.Api.Tests;

/// <summary>Controllers end to end through the real API server.</summary>
public sealed class ControllerTests(Xunit.Abstractions.ITestOutputHelper output) : ControlPlaneTest(controllers: true)
{
    private async Task<string> PodCidrAsync(string node) =>
        await Eventually.WaitAsync(async () => (await Api.GetAsync(ApiResources.Nodes, null, node)).AtPath("spec.podCIDR"), $"podCIDR of {node}");

    [Fact]
    public async Task NodesGetDistinctPodCidrsThatSurviveRestart()
    {
        foreach (var n in new[] { "node-1", "node-2", "node-3" }) await Api.CreateAsync(Node(n));
        var cidrs = new Dictionary<string, string>();
        foreach (var n in new[] { "node-1", "node-2", "node-3" }) cidrs[n] = await PodCidrAsync(n);
        var cluster = Cidr.Parse("10.244.0.0/16");
        Assert.Equal(3, cidrs.Values.Distinct().Count());
        foreach (var c in cidrs.Values)
        {
            var parsed = Cidr.Parse(c);
            Assert.Equal(24, parsed.PrefixLength);
            Assert.True(cluster.Contains(parsed), c);
        }
        var node1 = await Api.GetAsync(ApiResources.Nodes, null, "node-1");
        Assert.Equal(cidrs["node-1"], ((JsonArray)node1["spec"]!["podCIDRs"]!)[0]!.ToString());

        await Cp.RestartAsync();
        await Api.CreateAsync(Node("node-4"));
        var c4 = await PodCidrAsync("node-4");
        Assert.DoesNotContain(c4, cidrs.Values);
        foreach (var (n, c) in cidrs) Assert.Equal(c, await PodCidrAsync(n));

        // A deleted node's CIDR is free again; a preset one is kept.
        await Api.DeleteAsync(ApiResources.Nodes, null, "node-2");
        var preset = Node("node-9");
        preset["spec"] = new JsonObject { ["podCIDR"] = "10.244.200.0/24" };
        await Api.CreateAsync(preset);
        await Task.Delay(200);
        Assert.Equal("10.244.200.0/24", await PodCidrAsync("node-9"));
        await Api.CreateAsync(Node("node-5"));
        Assert.Equal(cidrs["node-2"], await PodCidrAsync("node-5"));
    }

    [Fact]
    public async Task ServicesGetClusterIPsAndNodePorts()
    {
        var a = await Api.CreateAsync(Service("a"));
        var ip = IPAddress.Parse(a.AtPath("spec.clusterIP")!);
        Assert.True(Cidr.Parse("10.96.0.0/12").Contains(ip));
        Assert.NotEqual("10.96.0.1", ip.ToString());
        Assert.NotEqual("10.96.0.10", ip.ToString());
        Assert.Equal($"[\"{ip}\"]", a["spec"]!["clusterIPs"]!.ToJsonString());

        var dns = await Api.CreateAsync(Service("kube-dns", ns: "kube-system", extra: ""","clusterIP":"10.96.0.10" """));
        Assert.Equal("10.96.0.10", dns.AtPath("spec.clusterIP"));
        var taken = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Service("b", extra: ""","clusterIP":"10.96.0.10" """)));
        Assert.Equal(422, (int)taken.StatusCode);
        Assert.Contains("spec.clusterIPs", taken.Message);
        Assert.Contains("provided IP is already allocated", taken.Message);
        var outside = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Service("c", extra: ""","clusterIP":"192.168.1.1" """)));
        Assert.Contains("not in the valid range", outside.Message);

        var headless = await Api.CreateAsync(Service("h", extra: ""","clusterIP":"None" """));
        Assert.Equal("None", headless.AtPath("spec.clusterIP"));

        var np = await Api.CreateAsync(Service("np", ports: """[{"name":"http","port":80},{"name":"dns","port":53,"protocol":"UDP","nodePort":30053}]""", extra: ""","type":"NodePort" """));
        var ports = KubeJson.As<Service>(np).Spec.Ports!;
        Assert.InRange(ports[0].NodePort!.Value, 30000, 32767);
        Assert.Equal(30053, ports[1].NodePort);
        var dup = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Service("np2", ports: """[{"port":80,"nodePort":30053}]""", extra: ""","type":"NodePort" """)));
        Assert.Equal("Service \"np2\" is invalid: spec.ports[0].nodePort: Invalid value: 30053: provided port is already allocated", dup.Message);

        var lb = await Api.CreateAsync(Service("lb", extra: ""","type":"LoadBalancer","externalTrafficPolicy":"Local" """));
        var hc = int.Parse(lb.AtPath("spec.healthCheckNodePort")!);
        Assert.InRange(hc, 30000, 32767);
        Assert.NotEqual(hc, KubeJson.As<Service>(lb).Spec.Ports![0].NodePort);

        // Switching to ClusterIP frees the node ports; the ClusterIP is kept.
        var back = await Api.PatchAsync(ApiResources.Services, "default", "np", Obj("""{"spec":{"type":"ClusterIP"}}"""));
        Assert.Equal(np.AtPath("spec.clusterIP"), back.AtPath("spec.clusterIP"));
        Assert.All(KubeJson.As<Service>(back).Spec.Ports!, p => Assert.Null(p.NodePort));
        var reuse = await Api.CreateAsync(Service("np3", ports: """[{"port":80,"nodePort":30053}]""", extra: ""","type":"NodePort" """));
        Assert.Equal(30053, KubeJson.As<Service>(reuse).Spec.Ports![0].NodePort);
        var immutable = await Assert.ThrowsAsync<ApiException>(() =>
            Api.PatchAsync(ApiResources.Services, "default", "a", Obj("""{"spec":{"clusterIP":"10.96.3.3"}}""")));
        Assert.Contains("field is immutable", immutable.Message);

        // After a restart the allocations are rebuilt from the stored services.
        await Cp.RestartAsync();
        var again = await Assert.ThrowsAsync<ApiException>(() => Cp.Client.CreateAsync(Service("d", extra: $$$""","clusterIP":"{{{ip}}}" """)));
        Assert.Contains("already allocated", again.Message);
        await Cp.Client.DeleteAsync(ApiResources.Services, "default", "a");
        var freed = await Cp.Client.CreateAsync(Service("d", extra: $$$""","clusterIP":"{{{ip}}}" """));
        Assert.Equal(ip.ToString(), freed.AtPath("spec.clusterIP"));
    }

    [Fact]
    public async Task SchedulerSpreadsOverReadyNodesAndHonoursNodeName()
    {
        await Api.CreateAsync(Node("n1"));
        await Api.CreateAsync(Node("n2"));
        await Api.CreateAsync(Node("n3"));
        await Api.CreateAsync(Node("sick", ready: false));
        await Api.CreateAsync(Pod("pinned", node: "sick"));
        for (int i = 0; i < 6; i++) await Api.CreateAsync(Pod($"p{i}"));
        var placed = await Eventually.WaitAsync(async () =>
        {
            var pods = (await Api.ListAsync<Pod>(ApiResources.Pods, "default")).Where(p => p.Metadata.Name!.StartsWith('p') && p.Metadata.Name != "pinned").ToList();
            return pods.All(p => p.Spec.NodeName is not null) ? pods : null;
        }, "6 pods scheduled");
        var perNode = placed.GroupBy(p => p.Spec.NodeName!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["n1"] = 2, ["n2"] = 2, ["n3"] = 2 }, perNode);
        Assert.Equal("sick", (await Api.GetAsync<Pod>(ApiResources.Pods, "default", "pinned")).Spec.NodeName);

        // With no Ready node a pod waits, and is placed once a node becomes Ready.
        await Api.CreateAsync(Namespace("solo"));
        var sel = Pod("picky", ns: "solo");
        sel["spec"]!["nodeSelector"] = new JsonObject { ["disk"] = "ssd" };
        await Api.CreateAsync(sel);
        await Task.Delay(300);
        Assert.Null((await Api.GetAsync<Pod>(ApiResources.Pods, "solo", "picky")).Spec.NodeName);
        await Api.PatchAsync(ApiResources.Nodes, null, "n2", Obj("""{"metadata":{"labels":{"disk":"ssd"}}}"""));
        await Eventually.WaitAsync(async () => (await Api.GetAsync<Pod>(ApiResources.Pods, "solo", "picky")).Spec.NodeName == "n2", "picky pod on n2");
    }

    [Fact]
    public async Task EndpointSlicesFollowReadyPodsAndResolveNamedPorts()
    {
        await using var kubelet = new FakeKubelet(Api) { KeepUnready = p => p.Name() == "web-unready" };
        await Api.CreateAsync(Service("web", ports: """[{"name":"http","port":80,"targetPort":"http"}]"""));
        var web = new Dictionary<string, string> { ["app"] = "web" };
        await Api.CreateAsync(Pod("web-a", labels: web, node: "n1", ports: """[{"name":"http","containerPort":8080}]"""));
        await Api.CreateAsync(Pod("web-b", labels: web, node: "n2", ports: """[{"name":"http","containerPort":9090}]"""));
        await Api.CreateAsync(Pod("web-unready", labels: web, node: "n1", ports: """[{"name":"http","containerPort":8080}]"""));
        await Api.CreateAsync(Pod("other", labels: new() { ["app"] = "db" }, node: "n1", ports: """[{"name":"http","containerPort":8080}]"""));
        await Api.PatchAsync(ApiResources.Pods, "default", "web-unready", Obj("""{"status":{"podIP":"10.244.1.99","phase":"Running"}}"""), "status");

        List<EndpointSlice> Slices(ObjectList l) => l.Items.Select(KubeJson.As<EndpointSlice>).ToList();
        var opts = new ListOptions { LabelSelector = "kubernetes.io/service-name=web" };
        var slices = await Eventually.WaitAsync(async () =>
        {
            var s = Slices(await Api.ListAsync(ApiResources.EndpointSlices, "default", opts));
            return s.Sum(x => x.Endpoints.Count) == 3 && s.SelectMany(x => x.Endpoints).Count(e => e.Conditions.Ready == true) == 2 ? s : null;
        }, "web slices with 3 endpoints, 2 ready");
        // Two port mappings → two slices: 8080 for web-a and web-unready, 9090 for web-b.
        Assert.Equal(2, slices.Count);
        var s8080 = slices.Single(s => s.Ports![0].Port == 8080);
        var s9090 = slices.Single(s => s.Ports![0].Port == 9090);
        Assert.Equal("http", s9090.Ports![0].Name);
        Assert.Equal(["web-b"], s9090.Endpoints.Select(e => e.TargetRef!.Name));
        Assert.Equal("n2", s9090.Endpoints[0].NodeName);
        Assert.Equal("Pod", s9090.Endpoints[0].TargetRef!.Kind);
        var unready = s8080.Endpoints.Single(e => e.TargetRef!.Name == "web-unready");
        Assert.Equal((false, false, false), (unready.Conditions.Ready, unready.Conditions.Serving, unready.Conditions.Terminating));
        Assert.Equal(["10.244.1.99"], unready.Addresses);
        Assert.Equal("web", s8080.Metadata.OwnerReferences![0].Name);

        // A terminating pod stays listed, marked terminating and not ready.
        kubelet.KeepUnready = _ => true;
        await Api.DeleteAsync(ApiResources.Pods, "default", "web-b", gracePeriodSeconds: 30);
        await Eventually.WaitAsync(async () =>
        {
            var eps = Slices(await Api.ListAsync(ApiResources.EndpointSlices, "default", opts)).SelectMany(s => s.Endpoints);
            var b = eps.FirstOrDefault(e => e.TargetRef!.Name == "web-b");
            return b is { Conditions: { Terminating: true, Ready: false, Serving: true } };
        }, "web-b marked terminating");

        // Deleting the service deletes its slices.
        await Api.DeleteAsync(ApiResources.Services, "default", "web");
        await Eventually.WaitAsync(async () => (await Api.ListAsync(ApiResources.EndpointSlices, "default", opts)).Items.Count == 0, "slices removed");
    }

    [Fact]
    public async Task DeploymentsCreateScaleRollAndDelete()
    {
        await Api.CreateAsync(Node("n1"));
        await Api.CreateAsync(Node("n2"));
        await using var kubelet = new FakeKubelet(Api);
        await Api.CreateAsync(Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coffee"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"coffee"}},
                     "template":{"metadata":{"labels":{"app":"coffee"}},"spec":{"containers":[{"name":"c","image":"v1"}]}}}}
            """));
        async Task<List<Pod>> Pods() => (await Api.ListAsync<Pod>(ApiResources.Pods, "default", new ListOptions { LabelSelector = "app=coffee" }))
            .Where(p => !p.IsTerminating).ToList();
        async Task<List<Pod>> WaitPods(int n, string? image = null) => await Eventually.WaitAsync(async () =>
        {
            var all = (await Api.ListAsync<Pod>(ApiResources.Pods, "default", new ListOptions { LabelSelector = "app=coffee" }));
            var ps = all.Where(p => !p.IsTerminating).ToList();
            return all.Count == n && ps.Count == n && ps.All(p => p.IsReady && (image is null || p.Spec.Containers[0].Image == image)) ? ps : null;
        }, $"{n} ready coffee pods" + (image is null ? "" : $" with image {image}"), 15000);

        var pods = await WaitPods(3);
        var hash = pods[0].Metadata.Labels![Deployment.PodTemplateHashLabel];
        Assert.All(pods, p =>
        {
            Assert.Equal(hash, p.Metadata.Labels![Deployment.PodTemplateHashLabel]);
            Assert.StartsWith($"coffee-{hash}-", p.Metadata.Name);
            Assert.Equal("Deployment", p.Metadata.OwnerReferences![0].Kind);
            Assert.NotNull(p.Spec.NodeName);
        });
        await Eventually.WaitAsync(async () => (await Api.GetAsync<Deployment>(ApiResources.Deployments, "default", "coffee")).Status?.ReadyReplicas == 3, "status.readyReplicas=3");

        await Api.PatchAsync(ApiResources.Deployments, "default", "coffee", Obj("""{"spec":{"replicas":5}}"""));
        await WaitPods(5);
        await Api.PatchAsync(ApiResources.Deployments, "default", "coffee", Obj("""{"spec":{"replicas":2}}"""));
        await WaitPods(2);

        // A template change replaces every pod by one with the new template and a new hash.
        await Api.PatchAsync(ApiResources.Deployments, "default", "coffee",
            Obj("""{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"v2"}]}}}}"""));
        var rolled = await WaitPods(2, "v2");
        Assert.All(rolled, p => Assert.NotEqual(hash, p.Metadata.Labels![Deployment.PodTemplateHashLabel]));
        var d = await Eventually.WaitAsync(async () =>
        {
            var dep = await Api.GetAsync<Deployment>(ApiResources.Deployments, "default", "coffee");
            return dep.Status?.UpdatedReplicas == 2 && dep.Status.ObservedGeneration == dep.Metadata.Generation ? dep : null;
        }, "deployment status after rollout");
        Assert.Equal(2, d.Status!.AvailableReplicas);

        await Api.DeleteAsync(ApiResources.Deployments, "default", "coffee");
        await Eventually.WaitAsync(async () => (await Pods()).Count == 0 &&
            (await Api.ListAsync(ApiResources.Pods, "default", new ListOptions { LabelSelector = "app=coffee" })).Items.Count == 0, "coffee pods deleted");
    }

    [Fact]
    public async Task PodsAreBoundWithinMilliseconds()
    {
        await Api.CreateAsync(Node("n1"));
        await Api.CreateAsync(Node("n2"));
        await Eventually.WaitAsync(async () => (await Api.ListAsync<Node>(ApiResources.Nodes)).All(n => n.Spec.PodCIDR is not null), "node CIDRs");
        var rv = (await Api.ListAsync(ApiResources.Pods)).ResourceVersion;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var bound = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTime>();
        var watching = Task.Run(async () =>
        {
            await foreach (var ev in Api.WatchAsync(ApiResources.Pods, "default", new ListOptions { ResourceVersion = rv }, stop.Token))
                if (ev.Object.AtPath("spec.nodeName") is { Length: > 0 }) bound.TryAdd(ev.Object.Name()!, DateTime.UtcNow);
        });
        var latencies = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            var start = DateTime.UtcNow;
            await Api.CreateAsync(Pod($"lat-{i}"));
            await Eventually.WaitAsync(() => Task.FromResult(bound.ContainsKey($"lat-{i}")), $"lat-{i} bound", 5000);
            latencies.Add((bound[$"lat-{i}"] - start).TotalMilliseconds);
        }
        stop.Cancel();
        try { await watching; } catch (OperationCanceledException) { }
        latencies.Sort();
        output.WriteLine($"create → bound: p50 {latencies[10]:0.0} ms, max {latencies[^1]:0.0} ms");
        Assert.True(latencies[10] < 100, $"p50 create→bound {latencies[10]:0.0} ms");
    }

    [Fact]
    public async Task TerminatingPodIsRemovedAfterItsGracePeriodWithoutAKubelet()
    {
        var pod = Pod("orphan", node: "gone-node");
        pod["spec"]!["terminationGracePeriodSeconds"] = 1;
        await Api.CreateAsync(pod);
        var t = await Api.DeleteAsync(ApiResources.Pods, "default", "orphan");
        Assert.NotNull(t.AtPath("metadata.deletionTimestamp"));
        await Eventually.WaitAsync(async () => await Api.TryGetAsync(ApiResources.Pods, "default", "orphan") is null, "orphan removed", 5000);
    }
}
