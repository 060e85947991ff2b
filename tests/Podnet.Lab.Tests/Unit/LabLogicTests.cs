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
    [InlineData(null)]
    [InlineData("ClusterFirst")]
    [InlineData("ClusterFirstWithHostNet")]
    public void Cluster_first_pods_resolve_through_kube_dns_with_the_kubernetes_search_path(string? policy)
    {
        var r = PodDns.ResolvConf(policy, "shop", null);
        Assert.StartsWith("search shop.svc.cluster.local svc.cluster.local cluster.local", r);
        Assert.Contains("\nnameserver 10.96.0.10\n", r);
        Assert.EndsWith("options ndots:5\n", r);
    }

    [Fact]
    public void Default_pods_get_the_nodes_resolver_and_none_takes_dns_config()
    {
        var node = PodDns.Node();
        var d = PodDns.ResolvConf("Default", "shop", null);
        Assert.DoesNotContain("10.96.0.10", d);
        foreach (var ns in node.Nameservers.Take(3)) Assert.Contains($"nameserver {ns}\n", d);

        var cfg = new System.Text.Json.Nodes.JsonObject
        {
            ["nameservers"] = new System.Text.Json.Nodes.JsonArray("203.0.113.53"),
            ["searches"] = new System.Text.Json.Nodes.JsonArray("corp.example"),
            ["options"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "ndots", ["value"] = "2" }, new System.Text.Json.Nodes.JsonObject { ["name"] = "edns0" }),
        };
        Assert.Equal("search corp.example\nnameserver 203.0.113.53\noptions ndots:2 edns0\n", PodDns.ResolvConf("None", "shop", cfg));
        var e = Assert.Throws<ArgumentException>(() => PodDns.ResolvConf("None", "shop", null));
        Assert.Contains("nameserver", e.Message);
        Assert.Throws<ArgumentException>(() => PodDns.ResolvConf("Sometimes", "shop", null));
    }

    [Fact]
    public void Container_commands_expand_variables_like_kubernetes_and_run_podnet_as_the_kubelets_binary()
    {
        var env = new Dictionary<string, string> { ["SOCK"] = "/run/podnet/x/api.sock" };
        Assert.Equal("/run/podnet/x/api.sock", ContainerCommand.Expand("$(SOCK)", env));
        Assert.Equal("--api=/run/podnet/x/api.sock;$(NOPE);$(SOCK);$", ContainerCommand.Expand("--api=$(SOCK);$(NOPE);$$(SOCK);$", env));
        var argv = ContainerCommand.Resolve(new Container { Name = "dns", Command = ["podnet", "dns"], Args = ["--api-socket", "$(SOCK)"] },
            "/b", env, ["dotnet", "/x/podnet.dll"]);
        Assert.Equal(["dotnet", "/x/podnet.dll", "dns", "--api-socket", "/run/podnet/x/api.sock"], argv);
    }

    [Fact]
    public void The_agents_conflist_keeps_subnet_and_mtu_and_gets_per_node_ipam_state()
    {
        var agent = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(
            Podnet.Agent.Overlay.Node.CniConfList.Render(System.Net.IPNetwork.Parse("10.244.3.0/24"), 1450))!;
        foreach (var (plugins, type, ipamType) in new[] { (CniPlugins.Podnet, "podnet-cni", "podnet-ipam"), (CniPlugins.Reference, "bridge", "host-local") })
        {
            var c = CniConfig.FromAgent(agent, "demo", "/var/lib/podnet/demo/cni/node-3/ipam", plugins);
            var p = c["plugins"]![0]!;
            Assert.Equal("podnet-demo", c["name"]!.GetValue<string>());
            Assert.Equal(type, p["type"]!.GetValue<string>());
            Assert.Equal(1450, CniConfig.Mtu(c));
            Assert.Equal(ipamType, p["ipam"]!["type"]!.GetValue<string>());
            Assert.Equal("/var/lib/podnet/demo/cni/node-3/ipam", p["ipam"]!["dataDir"]!.GetValue<string>());
            Assert.Equal("10.244.3.0/24", p["ipam"]!["ranges"]![0]![0]!["subnet"]!.GetValue<string>());
        }
        Assert.Null(agent["plugins"]![0]!["ipam"]!["dataDir"]); // the agent's own object is untouched
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

    [Theory]
    [InlineData(1, "Flat", "192.168.80.11")]
    [InlineData(2, "Flat", "192.168.80.12")]
    [InlineData(1, "Routed", "192.168.80.11")]
    [InlineData(2, "Routed", "192.168.81.12")]
    [InlineData(3, "Routed", "192.168.80.13")]
    [InlineData(4, "Routed", "192.168.81.14")]
    public void Routed_nodes_alternate_between_the_two_node_subnets(int i, string topology, string ip)
    {
        var t = Enum.Parse<Podnet.Lab.Topology.LabTopologyKind>(topology);
        Assert.Equal(ip, LabNames.NodeIp(i, t).ToString());
        Assert.Equal(ip.StartsWith("192.168.81.") ? 1 : 0, LabNames.NodeSubnetIndex(i, t));
        Assert.Equal($"192.168.{80 + LabNames.NodeSubnetIndex(i, t)}.1", LabNames.RouterIp(LabNames.NodeSubnetIndex(i, t)).ToString());
    }

    [Fact]
    public void The_cluster_dns_manifest_is_kube_dns_at_10_96_0_10_with_the_upstream_given()
    {
        var docs = Podnet.Lab.Addons.ClusterDns.Manifest("203.0.113.53:53");
        Assert.Equal(["Service", "Deployment"], docs.Select(d => d.Resource.Kind));
        Assert.Equal("10.96.0.10", docs[0].Object["spec"]!["clusterIP"]!.GetValue<string>());
        var c = docs[1].Object["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var args = c["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal("203.0.113.53:53", args[args.IndexOf("--upstream") + 1]);
        Assert.Equal("$(PODNET_API_SOCKET)", args[args.IndexOf("--api-socket") + 1]);
        Assert.Equal("/ready", c["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal(2L, docs[1].Object["spec"]!["replicas"]!.GetValue<long>());
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
