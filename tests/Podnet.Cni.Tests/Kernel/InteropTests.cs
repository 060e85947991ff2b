using System.Text.Json.Nodes;

namespace Podnet.Cni.Tests.Kernel;

/// <summary>Interop with the Debian reference plugins (containernetworking-plugins).</summary>
public class InteropTests
{
    static string Ip(CniCall c) => (string)c.Json["ips"]![0]!["address"]!;

    [Fact]
    public void Podnet_ipam_and_host_local_share_one_data_dir_both_ways()
    {
        using var lab = new CniLab();
        // host-local of Debian's containernetworking-plugins speaks up to 1.0.0.
        var ours = lab.Conf("1.0.0", ipam: lab.Ipam("podnet-ipam"), type: "bridge");
        var theirs = lab.Conf("1.0.0", ipam: lab.Ipam("host-local"), type: "bridge");
        string refIpam = $"{CniLab.RefBin}/host-local";
        // host-local writes first; podnet-ipam continues round-robin after its last_reserved_ip.0.
        Assert.Equal("10.77.0.2/24", Ip(lab.Call("ADD", "a", "/x", theirs, binary: refIpam).Ok()));
        Assert.Equal("10.77.0.3/24", Ip(lab.Call("ADD", "b", "/x", ours, binary: "podnet-ipam").Ok()));
        Assert.Equal("a\r\neth0", File.ReadAllText(Path.Combine(lab.NetDir(), "10.77.0.2")));
        Assert.Equal("b\r\neth0", File.ReadAllText(Path.Combine(lab.NetDir(), "10.77.0.3")));
        Assert.Equal("10.77.0.3", File.ReadAllText(Path.Combine(lab.NetDir(), "last_reserved_ip.0")));
        Assert.Equal("10.77.0.4/24", Ip(lab.Call("ADD", "c", "/x", theirs, binary: refIpam).Ok()));
        // Each releases what the other reserved.
        lab.Call("DEL", "a", "/x", ours, binary: "podnet-ipam").Ok();
        lab.Call("DEL", "b", "/x", theirs, binary: refIpam).Ok();
        Assert.Equal(["10.77.0.4"], lab.IpFiles());
        // host-local refuses a duplicate for an attachment podnet-ipam holds, and vice versa.
        lab.Call("ADD", "d", "/x", ours, binary: "podnet-ipam").Ok();
        Assert.NotEqual(0, lab.Call("ADD", "d", "/x", theirs, binary: refIpam).Exit);
        lab.Call("ADD", "c", "/x", ours, binary: "podnet-ipam").AssertError(7, "duplicate");
        // CHECK of host-local finds podnet-ipam's reservation.
        lab.Call("CHECK", "d", "/x", theirs, binary: refIpam).Ok();
        // host-local releasing podnet's reservations leaves podnet's owner hints stale (host-local skips
        // a hint, whose target does not exist): b's above, d's now. podnet-ipam's DEL then releases
        // nothing of anyone else's and drops the hint; GC drops the rest.
        Assert.Equal(["podnet-ipam:10.77.0.3", "podnet-ipam:10.77.0.5"], lab.OwnerHints());
        lab.Call("DEL", "d", "/x", theirs, binary: refIpam).Ok();
        Assert.Equal(["10.77.0.4"], lab.IpFiles());
        lab.Call("DEL", "d", "/x", ours, binary: "podnet-ipam").Ok();
        Assert.Equal(["podnet-ipam:10.77.0.3"], lab.OwnerHints());
        Assert.Equal(["10.77.0.4"], lab.IpFiles());
        var gc = lab.Conf("1.1.0", ipam: lab.Ipam("podnet-ipam"), type: "bridge");
        gc["cni.dev/valid-attachments"] = System.Text.Json.Nodes.JsonNode.Parse("[{\"containerID\":\"c\",\"ifname\":\"eth0\"}]");
        lab.Call("GC", "", null, gc, binary: "podnet-ipam").Ok();
        Assert.Empty(lab.OwnerHints());
        Assert.Equal(["10.77.0.4"], lab.IpFiles());
    }

    [Fact]
    public void Podnet_ipam_result_is_an_ipam_result_in_the_requested_version()
    {
        using var lab = new CniLab();
        var conf = lab.Conf("0.3.1", ipam: lab.Ipam("podnet-ipam", extra: JsonNode.Parse("""{"routes":[{"dst":"0.0.0.0/0"}]}""")!.AsObject()), type: "bridge");
        var r = lab.Call("ADD", "a", "/x", conf, binary: "podnet-ipam").Ok().Json;
        Assert.Equal("0.3.1", (string?)r["cniVersion"]);
        Assert.Null(r["interfaces"]);
        Assert.Equal("4", (string?)r["ips"]![0]!["version"]);
        Assert.Null(r["ips"]![0]!["interface"]);
        Assert.Equal("10.77.0.1", (string?)r["ips"]![0]!["gateway"]);
        Assert.Equal("0.0.0.0/0", (string?)r["routes"]![0]!["dst"]);
    }

    [Fact]
    public void Podnet_bridge_with_host_local_ipam()
    {
        using var lab = new CniLab();
        var conf = lab.Conf(ipam: lab.Ipam("host-local"), extra: JsonNode.Parse("""{"isGateway":true}""")!.AsObject());
        conf["cniVersion"] = "1.0.0";
        var p1 = lab.Pod(); var p2 = lab.Pod();
        lab.Call("ADD", "c1", p1.Path, conf).Ok();
        Assert.Equal("10.77.0.3/24", Ip(lab.Call("ADD", "c2", p2.Path, conf).Ok()));
        Assert.True(CniLab.Ping(p1, "10.77.0.3"));
        lab.Call("DEL", "c1", p1.Path, conf).Ok();
        lab.Call("DEL", "c2", p2.Path, conf).Ok();
        Assert.Empty(lab.IpFiles());
        lab.AssertNoVethLeft();
    }

    [Fact]
    public void Reference_bridge_with_podnet_ipam_and_pods_of_both_plugins_talk()
    {
        using var lab = new CniLab();
        var refConf = lab.Conf("1.0.0", ipam: lab.Ipam("podnet-ipam"), type: "bridge", extra: JsonNode.Parse("""{"isGateway":true}""")!.AsObject());
        var ourConf = lab.Conf("1.0.0", extra: JsonNode.Parse("""{"isGateway":true}""")!.AsObject());
        var p1 = lab.Pod(); var p2 = lab.Pod();
        Assert.Equal("10.77.0.2/24", Ip(lab.Call("ADD", "r1", p1.Path, refConf, binary: $"{CniLab.RefBin}/bridge").Ok()));
        Assert.Equal("10.77.0.3/24", Ip(lab.Call("ADD", "o1", p2.Path, ourConf).Ok()));
        Assert.True(CniLab.Ping(p1, "10.77.0.3"), "reference pod -> podnet pod on the same bridge");
        Assert.True(CniLab.Ping(p2, "10.77.0.2"), "podnet pod -> reference pod");
        lab.Call("DEL", "r1", p1.Path, refConf, binary: $"{CniLab.RefBin}/bridge").Ok();
        lab.Call("DEL", "o1", p2.Path, ourConf).Ok();
        Assert.Empty(lab.IpFiles());
        lab.AssertNoVethLeft();
    }
}
