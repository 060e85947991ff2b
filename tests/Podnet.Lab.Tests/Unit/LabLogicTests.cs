using Podnet.Api.Models;
using Podnet.Lab.Kubelet;
using Podnet.Lab.Pods;
using Podnet.Lab.Processes;

namespace Podnet.Lab.Tests.Unit;

/// <summary>Pure logic of the lab: names, commands, resolv.conf, CNI config, pid records.</summary>
public sealed class LabLogicTests
{
    [Theory]
    [InlineData("podnet", null)]
    [InlineData("a1-b2", null)]
    [InlineData("", "empty")]
    [InlineData("Upper", "lowercase")]
    [InlineData("-x", "lowercase")]
    [InlineData("a--b", "no '--'")]
    [InlineData("a-", "no '--'")]
    [InlineData("abcdefghijklmnopqrstu", "longer than 20")]
    [InlineData("a/b", "lowercase")]
    public void Lab_names_are_checked(string name, string? problem)
    {
        var p = LabNames.Problem(name);
        if (problem is null) Assert.Null(p);
        else Assert.Contains(problem, p);
        if (problem is not null) Assert.Throws<ArgumentException>(() => new LabNames(name));
    }

    [Fact]
    public void Names_and_addresses_follow_the_contracts()
    {
        var n = new LabNames("demo");
        Assert.Equal("pn-demo-fabric", n.FabricNetns);
        Assert.Equal("pn-demo-node-2", n.NodeNetns(2));
        Assert.Equal("pn-demo-outside", n.OutsideNetns);
        Assert.Equal("pn-demo-p-0e627a38", n.PodNetns("0e627a38-c1b1-4f3e-9a1b-000000000000"));
        Assert.Equal("192.168.80.13", LabNames.NodeIp(3).ToString());
        Assert.Equal("/run/podnet/demo/api.sock", n.ApiSocket);
        Assert.Equal("/run/podnet/demo/pods/default_client", n.PodDir("default", "client"));
        Assert.Equal(7, LabNames.NodeIndex("node-7"));
        Assert.Null(LabNames.NodeIndex("worker-7"));
        Assert.Null(LabNames.NodeIndex("node-0"));
        Assert.Throws<ArgumentException>(() => LabNames.PodKey("abc"));
    }

    [Theory]
    [InlineData(new[] { "agnhost", "netexec" }, null, null, "/b/podnet-agnhost netexec")]
    [InlineData(new[] { "/agnhost", "connect" }, null, null, "/b/podnet-agnhost connect")]
    [InlineData(new[] { "podnet-agnhost" }, new[] { "netexec" }, null, "/b/podnet-agnhost netexec")]
    [InlineData(null, new[] { "netexec", "--http-port=80" }, "registry.k8s.io/e2e-test-images/agnhost:2.47", "/b/podnet-agnhost netexec --http-port=80")]
    [InlineData(new[] { "sh", "-c", "sleep 1" }, null, "busybox", "sh -c sleep 1")]
    [InlineData(new[] { "python3" }, new[] { "-m", "http.server" }, null, "python3 -m http.server")]
    public void Container_commands_resolve_agnhost_to_the_labs_binary(string[]? command, string[]? args, string? image, string expected)
    {
        var c = new Container { Name = "c", Command = command?.ToList(), Args = args?.ToList(), Image = image };
        Assert.Equal(expected, string.Join(' ', ContainerCommand.Resolve(c, "/b")));
    }

    [Fact]
    public void A_container_without_a_command_is_refused_naming_it_and_its_image()
    {
        var e = Assert.Throws<ArgumentException>(() => ContainerCommand.Resolve(new Container { Name = "web", Image = "nginx:1.25" }, "/b"));
        Assert.Contains("container \"web\"", e.Message);
        Assert.Contains("nginx:1.25", e.Message);
    }

    [Theory]
    [InlineData(null, false, true)]
    [InlineData("ClusterFirst", false, true)]
    [InlineData("ClusterFirst", true, false)]
    [InlineData("ClusterFirstWithHostNet", true, true)]
    [InlineData("Default", false, false)]
    [InlineData("None", false, false)]
    public void Resolv_conf_follows_the_dns_policy(string? policy, bool hostNetwork, bool cluster)
    {
        var r = PodSandbox.ResolvConf(policy, "shop", hostNetwork);
        if (!cluster) { Assert.Null(r); return; }
        Assert.Equal("search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", r);
    }

    [Theory]
    [InlineData(CniPlugins.Podnet, "podnet-cni", "podnet-ipam")]
    [InlineData(CniPlugins.Reference, "bridge", "host-local")]
    public void Cni_config_is_a_bridge_on_the_nodes_pod_cidr(CniPlugins plugins, string type, string ipam)
    {
        var c = CniConfig.Build("demo", "10.244.2.0/24", "/var/lib/podnet/demo/cni/node-3/ipam", plugins);
        Assert.Equal("podnet-demo", c["name"]!.GetValue<string>());
        var p = c["plugins"]![0]!;
        Assert.Equal(type, p["type"]!.GetValue<string>());
        Assert.Equal("cni0", p["bridge"]!.GetValue<string>());
        Assert.True(p["isGateway"]!.GetValue<bool>());
        Assert.False(p["ipMasq"]!.GetValue<bool>());
        Assert.Equal(ipam, p["ipam"]!["type"]!.GetValue<string>());
        Assert.Equal("10.244.2.0/24", p["ipam"]!["ranges"]![0]![0]!["subnet"]!.GetValue<string>());
    }

    [Fact]
    public void Pid_records_identify_a_live_process_by_pid_and_start_time()
    {
        var self = ProcessRecord.Of(Environment.ProcessId)!;
        Assert.True(self.IsAlive);
        Assert.Equal(self, ProcessRecord.Parse(self.ToString()));
        // Same pid, other start time: a recycled pid, not ours.
        Assert.False((self with { StartTime = self.StartTime + 1 }).IsAlive);
        Assert.False((self with { StartTime = self.StartTime + 1 }).Kill());
        Assert.Null(ProcessRecord.Parse("12 x"));
        Assert.Null(ProcessRecord.Of(int.MaxValue));
    }
}
