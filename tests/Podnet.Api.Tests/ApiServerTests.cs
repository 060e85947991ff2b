using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using static Podnet.Api.Tests.Objects;

namespace Podnet.Api.Tests;

/// <summary>The API server over its real unix socket: CRUD, errors, selectors, subresources.</summary>
public sealed class ApiServerTests : ControlPlaneTest
{
    [Fact]
    public async Task SystemNamespacesAndKubernetesServiceExistFromTheStart()
    {
        var names = (await Api.ListAsync(ApiResources.Namespaces)).Items.Select(n => n.Name()).ToList();
        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
        var k = await Api.GetAsync(ApiResources.Services, "default", "kubernetes");
        Assert.Equal("10.96.0.1", k.AtPath("spec.clusterIP"));
    }

    [Fact]
    public async Task CreateSetsMetadataAndGetReturnsTheObject()
    {
        var created = await Api.CreateAsync(Pod("web-1"));
        Assert.Matches("^[0-9a-f-]{36}$", created.Uid());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", created.AtPath("metadata.creationTimestamp"));
        Assert.Equal("1", created.AtPath("metadata.generation"));
        Assert.Equal("Pending", created.AtPath("status.phase"));
        var got = await Api.GetAsync(ApiResources.Pods, "default", "web-1");
        Assert.Equal(created.ResourceVersion(), got.ResourceVersion());
        Assert.Equal(created.Uid(), got.Uid());
    }

    [Fact]
    public async Task ResourceVersionIsOneClusterWideCounter()
    {
        var a = long.Parse((await Api.CreateAsync(Pod("a"))).ResourceVersion()!);
        var b = long.Parse((await Api.CreateAsync(Service("b"))).ResourceVersion()!);
        var c = long.Parse((await Api.CreateAsync(Node("n1"))).ResourceVersion()!);
        Assert.True(a < b && b < c, $"{a} < {b} < {c}");
    }

    [Fact]
    public async Task UnknownFieldsArePreserved()
    {
        var pod = Pod("keep");
        pod["spec"]!["futureField"] = new JsonObject { ["x"] = 1 };
        pod.Metadata()["annotations"] = new JsonObject { ["note"] = "hi" };
        await Api.CreateAsync(pod);
        var got = await Api.GetAsync(ApiResources.Pods, "default", "keep");
        Assert.Equal("1", got.AtPath("spec.futureField.x"));
        Assert.Equal("hi", got.AtPath("metadata.annotations.note"));
    }

    [Fact]
    public async Task MissingObjectIs404WithStatus()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.GetAsync(ApiResources.Pods, "default", "nope"));
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("NotFound", e.Reason);
        Assert.Equal("pods \"nope\" not found", e.Message);
        Assert.Equal(404, e.Status.Code);
    }

    [Fact]
    public async Task DuplicateCreateIs409AlreadyExists()
    {
        await Api.CreateAsync(Pod("dup"));
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Pod("dup")));
        Assert.True(e.IsAlreadyExists);
        Assert.Equal("pods \"dup\" already exists", e.Message);
    }

    [Fact]
    public async Task StaleResourceVersionIs409Conflict()
    {
        var created = await Api.CreateAsync(Pod("cas"));
        var first = (JsonObject)created.DeepClone();
        first.Metadata()["labels"] = new JsonObject { ["v"] = "1" };
        var updated = await Api.UpdateAsync(first);
        Assert.NotEqual(created.ResourceVersion(), updated.ResourceVersion());
        var stale = (JsonObject)created.DeepClone();
        stale.Metadata()["labels"] = new JsonObject { ["v"] = "2" };
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.UpdateAsync(stale));
        Assert.True(e.IsConflict, e.Message);
        Assert.Contains("the object has been modified", e.Message);
        Assert.Equal("1", (await Api.GetAsync(ApiResources.Pods, "default", "cas")).AtPath("metadata.labels.v"));
    }

    [Fact]
    public async Task InvalidServiceIs422NamingTheField()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Service("coffee", ports: """[{"port":0}]""")));
        Assert.Equal(422, (int)e.StatusCode);
        Assert.Equal("Invalid", e.Reason);
        Assert.Equal("Service \"coffee\" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", e.Message);
        Assert.Equal("spec.ports[0].port", e.Status.Details!.Causes![0].Field);
        Assert.Null(await Api.TryGetAsync(ApiResources.Services, "default", "coffee"));
    }

    [Fact]
    public async Task MissingNameIs422()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{"containers":[{"name":"c"}]}}""")));
        Assert.Contains("metadata.name: Required value", e.Message);
    }

    [Fact]
    public async Task GenerateNameMakesAName()
    {
        var p = await Api.CreateAsync(Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"gen-"},"spec":{"containers":[{"name":"c"}]}}"""));
        Assert.Matches("^gen-[a-z0-9]{5}$", p.Name());
    }

    [Fact]
    public async Task CreateInMissingNamespaceIs404()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Pod("x", ns: "ghost")));
        Assert.True(e.IsNotFound);
        Assert.Contains("namespaces \"ghost\" not found", e.Message);
    }

    [Fact]
    public async Task LabelAndFieldSelectorsFilterLists()
    {
        await Api.CreateAsync(Pod("w1", labels: new() { ["app"] = "web", ["tier"] = "fe" }, node: "node-1"));
        await Api.CreateAsync(Pod("w2", labels: new() { ["app"] = "web" }, node: "node-2"));
        await Api.CreateAsync(Pod("d1", labels: new() { ["app"] = "db" }, node: "node-1"));
        async Task<string> Names(ListOptions o) =>
            string.Join(",", (await Api.ListAsync(ApiResources.Pods, "default", o)).Items.Select(i => i.Name()).Order());
        Assert.Equal("w1,w2", await Names(new() { LabelSelector = "app=web" }));
        Assert.Equal("d1,w2", await Names(new() { LabelSelector = "tier!=fe" }));
        Assert.Equal("d1,w1,w2", await Names(new() { LabelSelector = "app in (web,db)" }));
        Assert.Equal("w2", await Names(new() { LabelSelector = "app=web,!tier" }));
        Assert.Equal("d1,w1", await Names(new() { FieldSelector = "spec.nodeName=node-1" }));
        Assert.Equal("w1", await Names(new() { FieldSelector = "spec.nodeName=node-1", LabelSelector = "app=web" }));
        Assert.Equal("w2", await Names(new() { FieldSelector = "metadata.name=w2" }));
        var bad = await Assert.ThrowsAsync<ApiException>(() => Names(new() { LabelSelector = "app in web" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task AllNamespacesListSpansNamespaces()
    {
        await Api.CreateAsync(Namespace("team-a"));
        await Api.CreateAsync(Pod("p", ns: "team-a"));
        await Api.CreateAsync(Pod("p", ns: "default"));
        var all = await Api.ListAsync(ApiResources.Pods);
        Assert.Equal(["default/p", "team-a/p"], all.Items.Select(i => $"{i.Namespace()}/{i.Name()}").Order());
        Assert.Single((await Api.ListAsync(ApiResources.Pods, "team-a")).Items);
    }

    [Fact]
    public async Task StatusSubresourceChangesOnlyStatus()
    {
        var pod = await Api.CreateAsync(Pod("st", node: "node-1"));
        var withStatus = (JsonObject)pod.DeepClone();
        withStatus["status"] = Obj("""{"phase":"Running","podIP":"10.244.1.5"}""");
        withStatus.Metadata()["labels"] = new JsonObject { ["sneaky"] = "yes" };
        var s = await Api.UpdateStatusAsync(withStatus);
        Assert.Equal("Running", s.AtPath("status.phase"));
        Assert.Null(s.AtPath("metadata.labels.sneaky"));
        // A plain update cannot change the status.
        var plain = (JsonObject)s.DeepClone();
        plain["status"] = Obj("""{"phase":"Failed"}""");
        plain.Metadata()["labels"] = new JsonObject { ["ok"] = "1" };
        var u = await Api.UpdateAsync(plain);
        Assert.Equal("Running", u.AtPath("status.phase"));
        Assert.Equal("1", u.AtPath("metadata.labels.ok"));
        // Merge patch on status.
        var p = await Api.PatchAsync(ApiResources.Pods, "default", "st", Obj("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"""), "status");
        Assert.Equal("10.244.1.5", p.AtPath("status.podIP"));
        Assert.Equal("True", ((JsonArray)p["status"]!["conditions"]!)[0]!["status"]!.ToString());
    }

    [Fact]
    public async Task GenerationCountsSpecChangesOnly()
    {
        await Api.CreateAsync(Service("gen"));
        var a = await Api.PatchAsync(ApiResources.Services, "default", "gen", Obj("""{"metadata":{"labels":{"x":"y"}}}"""));
        Assert.Equal("1", a.AtPath("metadata.generation"));
        var b = await Api.PatchAsync(ApiResources.Services, "default", "gen", Obj("""{"spec":{"selector":{"app":"other"}}}"""));
        Assert.Equal("2", b.AtPath("metadata.generation"));
        Assert.Equal("other", b.AtPath("spec.selector.app"));
    }

    [Fact]
    public async Task MergePatchNullRemovesAndPatchPreconditionConflicts()
    {
        var created = await Api.CreateAsync(Pod("mp", labels: new() { ["a"] = "1", ["b"] = "2" }));
        var p = await Api.PatchAsync(ApiResources.Pods, "default", "mp", Obj("""{"metadata":{"labels":{"a":null,"c":"3"}}}"""));
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, p.Labels());
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.PatchAsync(ApiResources.Pods, "default", "mp",
            Obj("{\"metadata\":{\"resourceVersion\":\"" + created.ResourceVersion() + "\",\"labels\":{\"d\":\"4\"}}}")));
        Assert.True(e.IsConflict);
    }

    [Fact]
    public async Task DryRunValidatesWithoutWriting()
    {
        var rev = Cp.Host.Store.Revision;
        var dry = await Api.CreateAsync(Pod("dry"), dryRun: true);
        Assert.Equal("dry", dry.Name());
        Assert.Null(await Api.TryGetAsync(ApiResources.Pods, "default", "dry"));
        Assert.Equal(rev, Cp.Host.Store.Revision);
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.CreateAsync(Service("bad", ports: """[{"port":70000}]"""), dryRun: true));
        Assert.True(e.IsInvalid);
        // A dry-run service does not keep its ClusterIP.
        var svcDry = await Api.CreateAsync(Service("ip", extra: ""","clusterIP":"10.96.5.5" """), dryRun: true);
        Assert.Equal("10.96.5.5", svcDry.AtPath("spec.clusterIP"));
        var real = await Api.CreateAsync(Service("ip", extra: ""","clusterIP":"10.96.5.5" """));
        Assert.Equal("10.96.5.5", real.AtPath("spec.clusterIP"));
    }

    [Fact]
    public async Task DeletingANamespaceDeletesItsObjects()
    {
        await Api.CreateAsync(Namespace("doomed"));
        await Api.CreateAsync(Pod("p1", ns: "doomed", node: "node-1"));
        var svc = await Api.CreateAsync(Service("s1", ns: "doomed", extra: ""","clusterIP":"10.96.7.7" """));
        await Api.DeleteAsync(ApiResources.Namespaces, null, "doomed");
        Assert.Null(await Api.TryGetAsync(ApiResources.Namespaces, null, "doomed"));
        Assert.Empty((await Api.ListAsync(ApiResources.Pods, "doomed")).Items);
        Assert.Empty((await Api.ListAsync(ApiResources.Services, "doomed")).Items);
        // Its ClusterIP was released.
        var again = await Api.CreateAsync(Service("s2", extra: ""","clusterIP":"10.96.7.7" """));
        Assert.Equal("10.96.7.7", again.AtPath("spec.clusterIP"));
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.DeleteAsync(ApiResources.Namespaces, null, "kube-system"));
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
    }

    [Fact]
    public async Task BoundPodsAreDeletedGracefully()
    {
        await Api.CreateAsync(Pod("unbound"));
        var gone = await Api.DeleteAsync(ApiResources.Pods, "default", "unbound");
        Assert.Equal("unbound", gone.Name());
        Assert.Null(await Api.TryGetAsync(ApiResources.Pods, "default", "unbound"));

        await Api.CreateAsync(Pod("bound", node: "node-1"));
        var terminating = await Api.DeleteAsync(ApiResources.Pods, "default", "bound");
        Assert.NotNull(terminating.AtPath("metadata.deletionTimestamp"));
        Assert.Equal("30", terminating.AtPath("metadata.deletionGracePeriodSeconds"));
        Assert.NotNull(await Api.TryGetAsync(ApiResources.Pods, "default", "bound"));
        await Api.DeleteAsync(ApiResources.Pods, "default", "bound", gracePeriodSeconds: 0);
        Assert.Null(await Api.TryGetAsync(ApiResources.Pods, "default", "bound"));
    }

    [Fact]
    public async Task AllResourceKindsRoundTrip()
    {
        var docs = new[]
        {
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c"}]}}}}""",
            """{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],"ports":[{"port":80,"endPort":90}]}]}}""",
            """{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"ing"},"spec":{"rules":[{"host":"cafe.example.com","http":{"paths":[{"path":"/tea","pathType":"Prefix","backend":{"service":{"name":"tea","port":{"number":80}}}}]}}]}}""",
            """{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"es"},"addressType":"IPv4","endpoints":[{"addresses":["10.244.1.2"]}],"ports":[{"port":80}]}""",
        };
        foreach (var d in docs)
        {
            var obj = Obj(d);
            var r = ApiResources.Resolve(obj.Kind(), obj.ApiVersion());
            var created = await Api.CreateAsync(obj);
            Assert.Equal(created.Uid(), (await Api.GetAsync(r, "default", obj.Name()!)).Uid());
            Assert.Single((await Api.ListAsync(r)).Items);
            await Api.DeleteAsync(r, "default", obj.Name()!);
            Assert.Null(await Api.TryGetAsync(r, "default", obj.Name()!));
        }
        var np = await Api.CreateAsync(Obj(docs[1]));
        Assert.Equal("""["Ingress"]""", np["spec"]!["policyTypes"]!.ToJsonString());
    }

    [Fact]
    public async Task EveryNamespaceCarriesItsNameAsTheMetadataNameLabel()
    {
        var created = await Api.CreateAsync(Obj("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-b","labels":{"ns":"b"}}}"""));
        Assert.Equal("team-b", created["metadata"]!["labels"]!["kubernetes.io/metadata.name"]!.GetValue<string>());
        Assert.Equal("b", created["metadata"]!["labels"]!["ns"]!.GetValue<string>());
        // An update cannot remove or change it (as in Kubernetes, the server sets it again).
        created["metadata"]!["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "other" };
        var updated = await Api.UpdateAsync(created);
        Assert.Equal("team-b", updated["metadata"]!["labels"]!["kubernetes.io/metadata.name"]!.GetValue<string>());
        Assert.Null(updated["metadata"]!["labels"]!["ns"]);
        var def = await Api.GetAsync(ApiResources.Namespaces, null, "default");
        Assert.Equal("default", def["metadata"]!["labels"]!["kubernetes.io/metadata.name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"podSelector":{}}""", """["Ingress"]""")]
    [InlineData("""{"podSelector":{},"egress":[]}""", """["Ingress"]""")]
    [InlineData("""{"podSelector":{},"egress":[{}]}""", """["Ingress","Egress"]""")]
    [InlineData("""{"podSelector":{},"policyTypes":[],"egress":[{}]}""", """["Ingress","Egress"]""")]
    [InlineData("""{"podSelector":{},"policyTypes":["Egress"]}""", """["Egress"]""")]
    public async Task NetworkPolicyTypesDefaultAsKubernetes(string spec, string types)
    {
        var np = await Api.CreateAsync(Obj($$"""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np"},"spec":{{spec}}}"""));
        Assert.Equal(types, np["spec"]!["policyTypes"]!.ToJsonString());
    }

    [Fact]
    public async Task DiscoveryAndUnknownPaths()
    {
        Assert.Contains("\"ok\"", await Api.GetRawAsync("/healthz"));
        Assert.Contains("\"pods\"", await Api.GetRawAsync("/api/v1"));
        Assert.Contains("deployments", await Api.GetRawAsync("/apis/apps/v1"));
        var e = await Assert.ThrowsAsync<ApiException>(() => Api.GetRawAsync("/api/v1/widgets"));
        Assert.True(e.IsNotFound);
    }
}

public sealed class HostingTests
{
    [Fact]
    public async Task ASecondControlPlaneCannotTakeTheDataOrTheSocket()
    {
        await using var cp = await TestControlPlane.StartAsync(controllers: false);
        var sameData = await Assert.ThrowsAsync<IOException>(() => Podnet.ControlPlane.ControlPlaneHost.StartAsync(
            new() { SocketPath = Path.Combine(cp.Dir, "other.sock"), DataDir = cp.DataDir }));
        Assert.Contains("in use by another control plane", sameData.Message);
        var sameSocket = await Assert.ThrowsAsync<IOException>(() => Podnet.ControlPlane.ControlPlaneHost.StartAsync(
            new() { SocketPath = cp.Socket, DataDir = Path.Combine(cp.Dir, "other-data") }));
        Assert.Contains("already serving on", sameSocket.Message);
        // The first one is unharmed.
        Assert.Contains("ok", await cp.Client.GetRawAsync("/healthz"));
    }

    [Fact]
    public async Task RunAsyncServesUntilCancelledAndRejectsBadArguments()
    {
        Assert.Equal(2, await Podnet.ControlPlane.ControlPlaneHost.RunAsync(["--socket"], CancellationToken.None));
        Assert.Equal(2, await Podnet.ControlPlane.ControlPlaneHost.RunAsync(["--bogus", "x"], CancellationToken.None));
        var dir = TempDir.Create();
        try
        {
            var socket = Path.Combine(dir, "api.sock");
            using var stop = new CancellationTokenSource();
            var run = Podnet.ControlPlane.ControlPlaneHost.RunAsync(["--socket", socket, "--data", Path.Combine(dir, "data")], stop.Token);
            using var api = new Podnet.Api.Client.ApiClient(socket);
            await Eventually.WaitAsync(async () => (await api.GetRawAsync("/healthz")).Contains("ok"), "RunAsync to serve");
            stop.Cancel();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(File.Exists(socket));
        }
        finally { TempDir.Delete(dir); }
    }
}
