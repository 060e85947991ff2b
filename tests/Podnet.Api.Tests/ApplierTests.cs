using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Resources;

namespace Podnet.Api.Tests;

public sealed class ApplierTests : ControlPlaneTest
{
    private const string Cafe = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: cafe
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: coffee
          namespace: cafe
        spec:
          replicas: 2
          selector:
            matchLabels: {app: coffee}
          template:
            metadata:
              labels: {app: coffee}
            spec:
              containers:
              - name: coffee
                image: podnet-agnhost
                command: ["podnet-agnhost", "netexec", "--http-port=8080"]
                ports:
                - {name: http, containerPort: 8080}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: coffee-svc
          namespace: cafe
        spec:
          selector: {app: coffee}
          ports:
          - {name: http, port: 80, targetPort: http}
        """;

    [Fact]
    public async Task ApplyCreatesThenReportsUnchangedThenConfigured()
    {
        var first = await Applier.ApplyAsync(Api, ManifestParser.Parse(Cafe));
        Assert.Equal(["namespace/cafe created", "deployment/coffee created", "service/coffee-svc created"], first.Select(r => r.ToString()));
        var ip = first[2].Object.AtPath("spec.clusterIP");

        var before = await Api.GetAsync(ApiResources.Services, "cafe", "coffee-svc");
        var again = await Applier.ApplyAsync(Api, ManifestParser.Parse(Cafe));
        var after = await Api.GetAsync(ApiResources.Services, "cafe", "coffee-svc");
        Assert.Equal(before.ResourceVersion(), after.ResourceVersion()); // an unchanged apply writes nothing
        Assert.All(again, r => Assert.Equal(ApplyAction.Unchanged, r.Action));

        var changed = await Applier.ApplyAsync(Api, ManifestParser.Parse(Cafe.Replace("replicas: 2", "replicas: 3")));
        Assert.Equal(ApplyAction.Configured, changed[1].Action);
        Assert.Equal("3", (await Api.GetAsync(ApiResources.Deployments, "cafe", "coffee")).AtPath("spec.replicas"));
        Assert.Equal(ip, (await Api.GetAsync(ApiResources.Services, "cafe", "coffee-svc")).AtPath("spec.clusterIP"));
    }

    [Fact]
    public async Task ReapplyKeepsWhatTheClusterFilledIn()
    {
        const string pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  containers: [{name: c, image: agnhost}]\n";
        await Applier.ApplyAsync(Api, ManifestParser.Parse(pod));
        await Api.PatchAsync(ApiResources.Pods, "default", "client", Objects.Obj("""{"spec":{"nodeName":"node-1"}}"""));
        var again = await Applier.ApplyAsync(Api, ManifestParser.Parse(pod));
        Assert.Equal(ApplyAction.Unchanged, again[0].Action);
        Assert.Equal("node-1", (await Api.GetAsync(ApiResources.Pods, "default", "client")).AtPath("spec.nodeName"));
    }

    [Fact]
    public async Task OneBadDocumentAppliesNothing()
    {
        var bad = Cafe + """

            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: tea-svc
              namespace: cafe
            spec:
              selector: {app: tea}
              ports:
              - {port: 80}
              - {port: 81}
            """;
        var e = await Assert.ThrowsAsync<ApplyException>(() => Applier.ApplyAsync(Api, ManifestParser.Parse(bad)));
        Assert.Equal(4, e.Document.Index);
        Assert.StartsWith("document 4 (Service \"tea-svc\"): Service \"tea-svc\" is invalid: ", e.Message);
        Assert.Contains("spec.ports[0].name: Required value", e.Message);
        Assert.Null(await Api.TryGetAsync(ApiResources.Namespaces, null, "cafe"));
        Assert.Empty((await Api.ListAsync(ApiResources.Deployments)).Items);
    }

    [Fact]
    public async Task EveryRejectedDocumentIsNamedWithItsPosition()
    {
        const string bad = """
            apiVersion: v1
            kind: Service
            metadata: {name: one}
            spec:
              ports: [{port: 80}, {port: 81}]
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: fine}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: three}
            spec:
              ports: [{port: 70000}]
            """;
        var docs = ManifestParser.Parse(bad);
        var e = await Assert.ThrowsAsync<ApplyException>(() => Applier.ApplyAsync(Api, docs));
        Assert.Equal([0, 2], e.Failures.Select(f => f.Position));
        Assert.All(e.Failures, f => Assert.True(f.Error.IsInvalid, f.Error.Message));
        var lines = e.Message.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("document 1 (Service \"one\"): ", lines[0]);
        Assert.StartsWith("document 3 (Service \"three\"): ", lines[1]);
        Assert.Contains("spec.ports[0].port", lines[1]);
        Assert.Null(await Api.TryGetAsync(ApiResources.Namespaces, null, "fine"));
    }

    [Fact]
    public async Task EachWriteIsReportedAsItHappens()
    {
        var seen = new List<string>();
        var results = await Applier.ApplyAsync(Api, ManifestParser.Parse(Cafe), applied: r => seen.Add(r.ToString()));
        Assert.Equal(results.Select(r => r.ToString()), seen);
        Assert.Equal(3, seen.Count);
    }
}
