using System.Net;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Validation;
using Podnet.ControlPlane.Allocation;
using Podnet.ControlPlane.Controllers;

namespace Podnet.Api.Tests;

/// <summary>Pure allocation and planning logic, table-driven.</summary>
public sealed class AllocatorTests
{
    [Fact]
    public void SubnetAllocatorHandsOutLowestFreeSlash24s()
    {
        var a = new SubnetAllocator(Cidr.Parse("10.244.0.0/16"), 24);
        Assert.Equal("10.244.0.0/24", a.AllocateNext()!.ToString());
        Assert.Equal("10.244.1.0/24", a.AllocateNext()!.ToString());
        Assert.True(a.TryAllocate(Cidr.Parse("10.244.3.0/24")));
        Assert.False(a.TryAllocate(Cidr.Parse("10.244.3.0/24")));
        Assert.False(a.TryAllocate(Cidr.Parse("10.245.0.0/24"))); // not ours
        Assert.False(a.TryAllocate(Cidr.Parse("10.244.4.0/25"))); // wrong size
        Assert.Equal("10.244.2.0/24", a.AllocateNext()!.ToString());
        Assert.Equal("10.244.4.0/24", a.AllocateNext()!.ToString());
        a.Release(Cidr.Parse("10.244.1.0/24"));
        Assert.Equal("10.244.1.0/24", a.AllocateNext()!.ToString());
    }

    [Fact]
    public void SubnetAllocatorRunsOut()
    {
        var a = new SubnetAllocator(Cidr.Parse("10.244.0.0/22"), 24);
        for (int i = 0; i < 4; i++) Assert.NotNull(a.AllocateNext());
        Assert.Null(a.AllocateNext());
    }

    [Theory]
    [InlineData("10.96.0.1", true)]        // kubernetes: given on request
    [InlineData("10.96.0.10", true)]       // kube-dns: given on request
    [InlineData("10.96.0.0", false)]       // network address: never
    [InlineData("10.111.255.255", false)]  // broadcast: never
    [InlineData("10.111.255.254", true)]
    [InlineData("10.112.0.1", false)]      // outside 10.96.0.0/12
    [InlineData("10.95.255.255", false)]
    public void RequestedClusterIPs(string ip, bool granted)
    {
        var s = new ServiceAllocator(Cidr.Parse("10.96.0.0/12"));
        var addr = IPAddress.Parse(ip);
        Assert.Equal(granted, s.ClusterIPs.TryAllocate(addr));
        if (granted) Assert.False(s.ClusterIPs.TryAllocate(addr)); // and only once
    }

    [Fact]
    public void DynamicClusterIPsSkipReservedAndStaticBand()
    {
        var s = new IpAllocator(Cidr.Parse("10.96.0.0/28"), [IPAddress.Parse("10.96.0.10")], staticBand: 0);
        var got = new List<string>();
        while (s.AllocateNext() is { } ip) got.Add(ip.ToString());
        Assert.Equal(13, got.Count); // 16 - network - broadcast - reserved
        Assert.DoesNotContain("10.96.0.10", got);
        Assert.True(s.TryAllocate(IPAddress.Parse("10.96.0.10"))); // on request it is given
        var big = new ServiceAllocator(Cidr.Parse("10.96.0.0/12"));
        Assert.Equal("10.96.1.0", big.ClusterIPs.AllocateNext()!.ToString()); // above the static band
    }

    [Fact]
    public void NodePortRange()
    {
        var r = new RangeAllocator(30000, 30002);
        Assert.True(r.TryAllocate(30001));
        Assert.Equal(30000, r.AllocateNext());
        Assert.Equal(30002, r.AllocateNext());
        Assert.Null(r.AllocateNext());
        Assert.False(r.TryAllocate(29999));
        r.Release(30001);
        Assert.Equal(30001, r.AllocateNext());
    }

    private static PodState P(string name, bool ready, int age = 0) => new(name, ready, DateTimeOffset.UnixEpoch.AddSeconds(100 - age));

    public static TheoryData<string, int, bool, int, int, PodState[], PodState[], int, string> Plans => new()
    {
        // name, replicas, recreate, surge, unavailable, new, old, expected create, expected deletes
        { "fresh", 3, false, 1, 0, [], [], 3, "" },
        { "steady", 2, false, 1, 0, [P("a", true), P("b", true)], [], 0, "" },
        { "scale down: unready and newest first", 2, false, 1, 0, [P("a", true, 3), P("b", false, 2), P("c", true, 1), P("d", true, 0)], [], 0, "b,d" },
        { "rollout starts: surge one", 3, false, 1, 0, [], [P("o1", true), P("o2", true), P("o3", true)], 1, "" },
        { "new not ready: no old removed", 3, false, 1, 0, [P("n1", false)], [P("o1", true), P("o2", true), P("o3", true)], 0, "" },
        { "new ready: one old goes", 3, false, 1, 0, [P("n1", true)], [P("o1", true, 3), P("o2", true, 2), P("o3", true, 1)], 0, "o1" },
        { "maxUnavailable lets old go at once", 4, false, 0, 2, [], [P("o1", true), P("o2", true), P("o3", true), P("o4", true)], 0, "o1,o2" },
        { "unready old waits while new is unready", 2, false, 1, 0, [P("n1", false)], [P("o1", false), P("o2", true)], 0, "" },
        { "unready old removed before ready old", 2, false, 1, 0, [P("n1", true)], [P("o1", false), P("o2", true)], 0, "o1" },
        { "both zero acts as unavailable 1", 2, false, 0, 0, [], [P("o1", true), P("o2", true)], 0, "o1" },
        { "recreate deletes old first", 2, true, 1, 0, [], [P("o1", true), P("o2", false)], 0, "o1,o2" },
        { "recreate then creates", 2, true, 1, 0, [], [], 2, "" },
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void DeploymentPlanTable(string name, int replicas, bool recreate, int surge, int unavailable,
        PodState[] newPods, PodState[] oldPods, int create, string deletes)
    {
        var plan = DeploymentPlanner.Plan(replicas, recreate, surge, unavailable, newPods, oldPods);
        Assert.True(create == plan.Create, $"{name}: create {plan.Create}, expected {create}");
        Assert.Equal(deletes, string.Join(",", plan.Delete.Order()));
    }

    [Fact]
    public void TemplateHashIgnoresKeyOrderAndSeesChanges()
    {
        var a = DeploymentPlanner.TemplateHash(KubeJson.Parse("""{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"x"}]}}"""));
        var b = DeploymentPlanner.TemplateHash(KubeJson.Parse("""{"spec":{"containers":[{"image":"x","name":"c"}]},"metadata":{"labels":{"a":"1"}}}"""));
        var c = DeploymentPlanner.TemplateHash(KubeJson.Parse("""{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"y"}]}}"""));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]{10}$", a);
    }

    private static Node N(string name, bool ready = true, Dictionary<string, string>? labels = null, bool unschedulable = false) => new()
    {
        Metadata = new ObjectMeta { Name = name, Labels = labels },
        Spec = new NodeSpec { Unschedulable = unschedulable },
        Status = new NodeStatus { Conditions = [new Condition { Type = "Ready", Status = ready ? "True" : "False" }] },
    };

    [Fact]
    public void SchedulerPicksFewestPodsAmongEligibleNodes()
    {
        var pod = new Pod();
        var nodes = new[] { N("a"), N("b"), N("c", ready: false), N("d", unschedulable: true) };
        Assert.Equal("b", SchedulerController.Pick(pod, nodes, new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 }));
        Assert.Equal("a", SchedulerController.Pick(pod, nodes, new Dictionary<string, int>())); // tie → name
        Assert.Equal("b", SchedulerController.Pick(pod, nodes, new Dictionary<string, int> { ["a"] = 1, ["c"] = 0, ["d"] = 0 }));
        var picky = new Pod { Spec = new PodSpec { NodeSelector = new() { ["zone"] = "z1" } } };
        Assert.Null(SchedulerController.Pick(picky, nodes, new Dictionary<string, int>()));
        Assert.Equal("x", SchedulerController.Pick(picky, [.. nodes, N("x", labels: new() { ["zone"] = "z1" })], new Dictionary<string, int>()));
        Assert.Null(SchedulerController.Pick(pod, [N("c", ready: false)], new Dictionary<string, int>()));
    }

    [Fact]
    public void EndpointSliceBuilderGroupsByResolvedPorts()
    {
        var svc = KubeJson.As<Service>(KubeJson.Parse("""
            {"metadata":{"name":"web","namespace":"default","uid":"u1"},
             "spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":"http"},{"name":"metrics","port":9100,"targetPort":9100}]}}
            """));
        Pod MakePod(string name, int httpPort, string? ip, bool ready, bool terminating = false, string? phase = "Running") => KubeJson.As<Pod>(KubeJson.Parse(
            "{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\",\"labels\":{\"app\":\"web\"}" +
            (terminating ? ",\"deletionTimestamp\":\"2030-01-01T00:00:00Z\"" : "") + "}," +
            "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":\"http\",\"containerPort\":" + httpPort + "}]}]}," +
            "\"status\":{\"phase\":\"" + phase + "\"" + (ip is null ? "" : ",\"podIP\":\"" + ip + "\"") +
            ",\"conditions\":[{\"type\":\"Ready\",\"status\":\"" + (ready ? "True" : "False") + "\"}]}}"));
        var slices = EndpointSliceBuilder.Build(svc,
        [
            MakePod("a", 8080, "10.244.0.2", true),
            MakePod("b", 8081, "10.244.0.3", true),
            MakePod("c", 8080, "10.244.0.4", false),
            MakePod("d", 8080, null, true),                 // no IP yet: left out
            MakePod("e", 8080, "10.244.0.5", true, terminating: true),
            MakePod("f", 8080, "10.244.0.6", false, phase: "Succeeded"),
        ]);
        Assert.Equal(2, slices.Count);
        var s8080 = slices.Single(s => s.Ports![0].Port == 8080);
        Assert.Equal(9100, s8080.Ports![1].Port);
        Assert.Equal(["a", "c", "e"], s8080.Endpoints.Select(e => e.TargetRef!.Name));
        Assert.Equal([true, false, false], s8080.Endpoints.Select(e => e.Conditions.Ready == true));
        Assert.Equal([false, false, true], s8080.Endpoints.Select(e => e.Conditions.Terminating == true));
        Assert.Equal("web", s8080.Metadata.Labels![EndpointSlice.ServiceNameLabel]);
        Assert.StartsWith("web-", s8080.Metadata.Name);
        Assert.Equal(["b"], slices.Single(s => s.Ports![0].Port == 8081).Endpoints.Select(e => e.TargetRef!.Name));

        // No backends: one empty slice; no selector: none.
        Assert.Empty(Assert.Single(EndpointSliceBuilder.Build(svc, [])).Endpoints);
        Assert.Empty(EndpointSliceBuilder.Build(svc with { Spec = svc.Spec with { Selector = null } }, []));
    }
}
