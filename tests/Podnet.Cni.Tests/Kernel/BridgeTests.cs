using System.Text.Json.Nodes;
using Podnet.Cni.Bridge;

namespace Podnet.Cni.Tests.Kernel;

public class BridgeTests
{
    static JsonObject O(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Pods_on_one_bridge_ping_each_other_and_the_gateway_and_del_cleans_up()
    {
        using var lab = new CniLab();
        var conf = lab.Conf(extra: O("""{"isGateway":true}"""));
        var p1 = lab.Pod(); var p2 = lab.Pod();
        var r1 = lab.Call("ADD", "pod1", p1.Path, conf).Ok().Json;
        var r2 = lab.Call("ADD", "pod2", p2.Path, conf).Ok().Json;
        string ip1 = ((string)r1["ips"]![0]!["address"]!).Split('/')[0], ip2 = ((string)r2["ips"]![0]!["address"]!).Split('/')[0];
        Assert.Equal("10.77.0.2", ip1);
        Assert.Equal("10.77.0.3", ip2);
        Assert.Contains("10.77.0.2/24", p1.Ip("-4", "addr", "show", "eth0").Check());
        Assert.True(CniLab.Ping(p1, ip2), "pod1 -> pod2");
        Assert.True(CniLab.Ping(p2, ip1), "pod2 -> pod1");
        Assert.True(CniLab.Ping(p1, "10.77.0.1"), "pod1 -> gateway");
        Assert.Contains("10.77.0.1/24", lab.Node.Ip("addr", "show", "cni0").Check());
        Assert.Equal("1", lab.InNode("cat", "/proc/sys/net/ipv4/ip_forward").Check().Trim());

        lab.Call("DEL", "pod1", p1.Path, conf).Ok();
        lab.Call("DEL", "pod2", p2.Path, conf).Ok();
        Assert.Empty(lab.IpFiles());
        lab.AssertNoVethLeft();
        Assert.DoesNotContain("eth0", p1.Ip("link").Check());
        // DEL is idempotent.
        lab.Call("DEL", "pod1", p1.Path, conf).Ok();
        lab.Call("DEL", "pod1", null, conf).Ok();
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Result_matches_the_spec_of_each_version(string version)
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var r = lab.Call("ADD", "c1", pod.Path, lab.Conf(version, O("""{"isGateway":true,"isDefaultGateway":true}"""))).Ok().Json;
        Assert.Equal(version, (string?)r["cniVersion"]);
        var ifs = r["interfaces"]!.AsArray();
        Assert.Equal(3, ifs.Count);
        Assert.Equal("cni0", (string?)ifs[0]!["name"]);
        Assert.Equal(Names.HostVeth("c1", "eth0"), (string?)ifs[1]!["name"]);
        Assert.Equal("eth0", (string?)ifs[2]!["name"]);
        Assert.Equal(pod.Path, (string?)ifs[2]!["sandbox"]);
        Assert.Null(ifs[0]!["sandbox"]);
        foreach (var i in ifs) Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", (string?)i!["mac"]);
        Assert.Contains((string)ifs[2]!["mac"]!, pod.Ip("link", "show", "eth0").Check());
        Assert.Contains((string)ifs[1]!["mac"]!, lab.InNode("ip", "link", "show", Names.HostVeth("c1", "eth0")).Check());
        Assert.Contains((string)ifs[0]!["mac"]!, lab.InNode("ip", "link", "show", "cni0").Check());
        var ip = r["ips"]![0]!.AsObject();
        Assert.Equal(version.StartsWith("0.") ? "4" : null, (string?)ip["version"]);
        Assert.Equal(2, (int)ip["interface"]!);
        Assert.Equal("10.77.0.2/24", (string?)ip["address"]);
        Assert.Equal("10.77.0.1", (string?)ip["gateway"]);
        var route = r["routes"]![0]!.AsObject();
        Assert.Equal("0.0.0.0/0", (string?)route["dst"]);
        Assert.Equal("10.77.0.1", (string?)route["gw"]);
        Assert.Contains("default via 10.77.0.1 dev eth0", pod.Ip("route").Check());
    }

    [Fact]
    public void Without_isGateway_the_bridge_gets_no_address()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf()).Ok();
        Assert.DoesNotContain("inet ", lab.Node.Ip("-4", "addr", "show", "cni0").Check());
        Assert.DoesNotContain("default", pod.Ip("route").Check());
    }

    [Fact]
    public void ForceAddress_replaces_a_different_bridge_address_otherwise_add_fails_and_rolls_back()
    {
        using var lab = new CniLab();
        lab.Node.Ip("link", "add", "cni0", "type", "bridge").Check();
        lab.Node.Ip("addr", "add", "10.77.0.9/24", "dev", "cni0").Check();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf(extra: O("""{"isGateway":true}""")))
            .AssertError(7, "cni0", "10.77.0.9/24", "forceAddress");
        Assert.Empty(lab.IpFiles());
        Assert.Empty(lab.NodeVeths());
        Assert.DoesNotContain("eth0", pod.Ip("link").Check());
        lab.Call("ADD", "c1", pod.Path, lab.Conf(extra: O("""{"isGateway":true,"forceAddress":true}"""))).Ok();
        var addrs = lab.Node.Ip("-4", "addr", "show", "cni0").Check();
        Assert.Contains("10.77.0.1/24", addrs);
        Assert.DoesNotContain("10.77.0.9", addrs);
    }

    [Fact]
    public void Mtu_applies_to_bridge_and_both_veth_ends()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf(extra: O("""{"mtu":1400}"""))).Ok();
        Assert.Contains("mtu 1400", pod.Ip("link", "show", "eth0").Check());
        Assert.Contains("mtu 1400", lab.Node.Ip("link", "show", Names.HostVeth("c1", "eth0")).Check());
        Assert.Contains("mtu 1400", lab.Node.Ip("link", "show", "cni0").Check());
    }

    [Fact]
    public void GsoMaxSize_gives_bridge_and_both_veth_ends_big_tcp()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf(extra: O("""{"gsoMaxSize":196608}"""))).Ok();
        static int Gso(Podnet.Testing.TestNetns ns, string dev) =>
            ns.IpJson("-d", "link", "show", "dev", dev)[0].GetProperty("gso_max_size").GetInt32();
        Assert.Equal(196608, Gso(pod, "eth0"));
        Assert.Equal(196608, Gso(lab.Node, Names.HostVeth("c1", "eth0")));
        Assert.Equal(196608, Gso(lab.Node, "cni0"));
        // Bounds are checked before anything is created.
        var p2 = lab.Pod();
        lab.Call("ADD", "c2", p2.Path, lab.Conf(extra: O("""{"gsoMaxSize":600000}"""))).AssertError(7, "gsoMaxSize");
        Assert.False(lab.Node.Ip("link", "show", Names.HostVeth("c2", "eth0")).Ok);
    }

    [Fact]
    public void HairpinMode_sets_the_port_flag_and_promiscMode_the_bridge_flag()
    {
        using var lab = new CniLab();
        var p1 = lab.Pod(); var p2 = lab.Pod();
        lab.Call("ADD", "c1", p1.Path, lab.Conf(extra: O("""{"hairpinMode":true}"""))).Ok();
        string veth = Names.HostVeth("c1", "eth0");
        Assert.Equal("1", lab.InNode("cat", $"/sys/class/net/{veth}/brport/hairpin_mode").Check().Trim());
        Assert.DoesNotContain("PROMISC", lab.Node.Ip("link", "show", "cni0").Check());
        lab.Call("ADD", "c2", p2.Path, lab.Conf(extra: O("""{"promiscMode":true}"""))).Ok();
        Assert.Equal("0", lab.InNode("cat", $"/sys/class/net/{Names.HostVeth("c2", "eth0")}/brport/hairpin_mode").Check().Trim());
        Assert.Contains("PROMISC", lab.Node.Ip("link", "show", "cni0").Check());
        lab.Call("ADD", "c3", lab.Pod().Path, lab.Conf(extra: O("""{"promiscMode":true,"hairpinMode":true}""")))
            .AssertError(7, "hairpinMode", "promiscMode");
    }

    /// <summary>Whether this kernel can filter VLANs on a bridge (CONFIG_BRIDGE_VLAN_FILTERING), probed in a pnt- namespace.</summary>
    static bool KernelHasBridgeVlans()
    {
        using var probe = new Podnet.Testing.TestNetns("cni");
        return probe.Ip("link", "add", "br0", "type", "bridge", "vlan_filtering", "1").Ok;
    }

    [Fact]
    public void Vlan_tags_the_port_and_puts_the_gateway_on_a_vlan_interface_or_is_refused_like_the_reference()
    {
        using var lab = new CniLab();
        var p1 = lab.Pod(); var p2 = lab.Pod();
        var conf = lab.Conf(extra: O("""{"vlan":100,"isGateway":true}"""));
        lab.Call("ADD", "c3", lab.Pod().Path, lab.Conf(extra: O("""{"vlan":5000}"""))).AssertError(7, "5000");
        if (!KernelHasBridgeVlans())
        {
            // Without kernel support the reference bridge fails too; we say why, with the field, and roll back.
            var refConf = lab.Conf("1.0.0", ipam: lab.Ipam("host-local"), type: "bridge", extra: O("""{"vlan":100,"isGateway":true,"bridge":"cni1"}"""));
            Assert.NotEqual(0, lab.Call("ADD", "r1", p2.Path, refConf, binary: $"{CniLab.RefBin}/bridge").Exit);
            lab.Call("ADD", "c1", p1.Path, conf).AssertError(2, "\"vlan\": 100", "VLAN filtering");
            Assert.Empty(lab.IpFiles());
            Assert.Empty(lab.NodeVeths());
            Assert.DoesNotContain("eth0", p1.Ip("link").Check());
            return;
        }
        var r = lab.Call("ADD", "c1", p1.Path, conf).Ok().Json;
        lab.Call("ADD", "c2", p2.Path, conf).Ok();
        Assert.Equal("1", lab.InNode("cat", "/sys/class/net/cni0/bridge/vlan_filtering").Check().Trim());
        var vlans = lab.InNode("bridge", "vlan", "show", "dev", Names.HostVeth("c1", "eth0")).Check();
        Assert.Matches(@"100 PVID Egress Untagged", vlans);
        Assert.Contains("10.77.0.1/24", lab.Node.Ip("addr", "show", "cni0.100").Check());
        Assert.Equal("cni0.100", (string?)r["interfaces"]![3]!["name"]);
        Assert.True(CniLab.Ping(p1, "10.77.0.3"), "pods on vlan 100 reach each other");
        Assert.True(CniLab.Ping(p1, "10.77.0.1"), "pod reaches the gateway on the vlan interface");
    }

    [Fact]
    public void Mac_comes_from_cni_args_args_or_runtime_config()
    {
        using var lab = new CniLab();
        var p1 = lab.Pod(); var p2 = lab.Pod();
        lab.Call("ADD", "c1", p1.Path, lab.Conf(), args: "IgnoreUnknown=1;MAC=02:aa:bb:cc:dd:01;K8S_POD_NAME=x").Ok();
        Assert.Contains("02:aa:bb:cc:dd:01", p1.Ip("link", "show", "eth0").Check());
        var r = lab.Call("ADD", "c2", p2.Path, lab.Conf(extra: O("""{"runtimeConfig":{"mac":"02:aa:bb:cc:dd:02"}}"""))).Ok().Json;
        Assert.Contains("02:aa:bb:cc:dd:02", p2.Ip("link", "show", "eth0").Check());
        Assert.Equal("02:aa:bb:cc:dd:02", (string?)r["interfaces"]![2]!["mac"]);
    }

    [Fact]
    public void Masquerade_rules_appear_on_add_and_disappear_on_del()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var conf = lab.Conf(extra: O("""{"isGateway":true,"ipMasq":true}"""));
        lab.Call("ADD", "c1", pod.Path, conf).Ok();
        string chain = Names.MasqChain("net1", "c1", "eth0");
        var rules = lab.InNode("nft", "list", "table", "inet", "podnet-cni").Check();
        Assert.Contains("10.77.0.2 : jump " + chain, rules);
        Assert.Contains("ip daddr 10.77.0.0/24 accept", rules);
        Assert.Contains("ip daddr != 224.0.0.0/4 masquerade", rules);
        Assert.Contains("type nat hook postrouting", rules);
        lab.Call("DEL", "c1", pod.Path, conf).Ok();
        rules = lab.InNode("nft", "list", "table", "inet", "podnet-cni").Check();
        Assert.DoesNotContain(chain, rules);
        Assert.DoesNotContain("10.77.0.2", rules);
        lab.Call("DEL", "c1", pod.Path, conf).Ok();
    }

    [Fact]
    public void Masquerade_rewrites_the_source_of_traffic_leaving_the_pod_subnet()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        using var outside = new Podnet.Testing.TestNetns("cni");
        // An "outside" namespace on a second link of the node: 203.0.113.0/24.
        lab.Node.Ip("link", "add", "up0", "type", "veth", "peer", "name", "eth9", "netns", outside.Name).Check();
        lab.Node.Ip("addr", "add", "203.0.113.1/24", "dev", "up0").Check();
        lab.Node.Ip("link", "set", "up0", "up").Check();
        outside.Ip("addr", "add", "203.0.113.10/24", "dev", "eth9").Check();
        outside.Ip("link", "set", "eth9", "up").Check();
        lab.Call("ADD", "c1", pod.Path, lab.Conf(extra: O("""{"isGateway":true,"isDefaultGateway":true,"ipMasq":true}"""))).Ok();
        // The outside has no route back to 10.77.0.0/24: a reply arrives only if the source was rewritten.
        Assert.True(CniLab.Ping(pod, "203.0.113.10"), "pod reaches the outside through masquerade");
        var counters = lab.InNode("nft", "list", "table", "inet", "podnet-cni").Check();
        Assert.Contains("masquerade", counters);
    }

    [Fact]
    public void Check_verifies_against_prevResult()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var conf = lab.Conf(extra: O("""{"isGateway":true,"isDefaultGateway":true,"ipMasq":true}"""));
        var prev = lab.Call("ADD", "c1", pod.Path, conf).Ok().Json;
        var check = conf.DeepClone().AsObject();
        check["prevResult"] = prev;
        lab.Call("CHECK", "c1", pod.Path, check).Ok();
        lab.Call("CHECK", "c1", pod.Path, conf).AssertError(7, "prevResult");
        pod.Ip("route", "del", "default").Check();
        lab.Call("CHECK", "c1", pod.Path, check).AssertError(103, "route 0.0.0.0/0");
        pod.Ip("addr", "flush", "dev", "eth0").Check();
        lab.Call("CHECK", "c1", pod.Path, check).AssertError(103, "10.77.0.2/24");
        var old = lab.Conf("0.3.1");
        old["prevResult"] = prev.DeepClone();
        lab.Call("CHECK", "c1", pod.Path, old).AssertError(1, "CHECK");
    }

    [Fact]
    public void Check_fails_when_masquerade_rules_or_reservation_are_gone()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var conf = lab.Conf(extra: O("""{"isGateway":true,"ipMasq":true}"""));
        var check = conf.DeepClone().AsObject();
        check["prevResult"] = lab.Call("ADD", "c1", pod.Path, conf).Ok().Json;
        lab.InNode("nft", "delete", "table", "inet", "podnet-cni").Check();
        lab.Call("CHECK", "c1", pod.Path, check).AssertError(103, "masquerade");
        File.Delete(Path.Combine(lab.NetDir(), "10.77.0.2"));
        lab.Call("CHECK", "c1", pod.Path, check).AssertError(103, "c1");
    }

    [Fact]
    public void Gc_releases_ips_links_and_rules_not_in_valid_attachments()
    {
        using var lab = new CniLab();
        var conf = lab.Conf(extra: O("""{"isGateway":true,"ipMasq":true}"""));
        var pods = new[] { lab.Pod(), lab.Pod(), lab.Pod() };
        for (int i = 0; i < 3; i++) lab.Call("ADD", $"c{i}", pods[i].Path, conf).Ok();
        var gc = conf.DeepClone().AsObject();
        gc["cni.dev/valid-attachments"] = O("""{"a":[{"containerID":"c1","ifname":"eth0"}]}""")["a"]!.DeepClone();
        lab.Call("GC", "", null, gc).Ok();
        Assert.Equal(["10.77.0.3"], lab.IpFiles());
        var veths = lab.NodeVeths().Select(l => l.Name).ToList();
        Assert.Equal([Names.HostVeth("c1", "eth0")], veths);
        var rules = lab.InNode("nft", "list", "table", "inet", "podnet-cni").Check();
        Assert.Contains(Names.MasqChain("net1", "c1", "eth0"), rules);
        Assert.DoesNotContain(Names.MasqChain("net1", "c0", "eth0"), rules);
        Assert.DoesNotContain(Names.MasqChain("net1", "c2", "eth0"), rules);
        Assert.True(CniLab.Ping(pods[1], "10.77.0.1"), "the valid attachment still works");
        var old = lab.Conf("1.0.0");
        lab.Call("GC", "", null, old).AssertError(1, "GC");
    }

    [Fact]
    public void Del_succeeds_after_the_netns_is_gone()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var conf = lab.Conf(extra: O("""{"ipMasq":true}"""));
        lab.Call("ADD", "c1", pod.Path, conf).Ok();
        string path = pod.Path;
        pod.Dispose();
        lab.Call("DEL", "c1", path, conf).Ok();
        Assert.Empty(lab.IpFiles());
        lab.AssertNoVethLeft();
        Assert.DoesNotContain("10.77.0.2", lab.InNode("nft", "list", "table", "inet", "podnet-cni").Check());
    }

    [Fact]
    public void Add_right_after_del_in_the_same_netns_works_while_the_reaper_is_pending()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var conf = lab.Conf(extra: O("""{"isGateway":true}"""));
        for (int round = 0; round < 5; round++)
        {
            lab.Call("ADD", "c1", pod.Path, conf).Ok();
            lab.Call("DEL", "c1", pod.Path, conf).Ok();
        }
        var r = lab.Call("ADD", "c1", pod.Path, conf).Ok().Json;
        Assert.True(CniLab.Ping(pod, "10.77.0.1"), "the re-added pod works");
        // The reapers of the earlier DELs must not have taken the newest veth with them.
        Thread.Sleep(500);
        Assert.Single(lab.NodeVeths());
        Assert.Contains((string)r["interfaces"]![2]!["mac"]!, pod.Ip("link", "show", "eth0").Check());
    }

    [Fact]
    public void Status_reports_an_exhausted_range()
    {
        using var lab = new CniLab();
        var conf = lab.Conf(ipam: lab.Ipam("podnet-ipam", "10.77.0.0/30"));
        lab.Call("STATUS", "", null, conf).Ok();
        lab.Call("ADD", "c1", lab.Pod().Path, conf).Ok();
        lab.Call("STATUS", "", null, conf).AssertError(50, "exhausted");
    }
}
