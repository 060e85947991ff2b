using System.Text.Json.Nodes;

namespace Podnet.Cni.Tests.Kernel;

/// <summary>Bad input returns the spec's error JSON with the right code, names the problem, exits non-zero
/// and leaves nothing behind.</summary>
public class ErrorTests
{
    static void AssertNothingLeft(CniLab lab, Podnet.Testing.TestNetns? pod = null)
    {
        Assert.Empty(lab.IpFiles());
        Assert.Empty(lab.NodeVeths());
        if (pod is not null) Assert.DoesNotContain("eth0", pod.Ip("link").Check());
    }

    [Fact]
    public void Malformed_json_is_code_6()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, null, stdin: "{\"cniVersion\": \"1.1.0\", ").AssertError(6, "JSON");
        lab.Call("ADD", "c1", pod.Path, null, stdin: "[1,2]").AssertError(6, "object");
        lab.Call("ADD", "c1", pod.Path, null, stdin: """{"cniVersion":"1.1.0","name":"n","type":"podnet-cni","mtu":"big"}""").AssertError(6, "mtu");
        AssertNothingLeft(lab, pod);
    }

    [Theory]
    [InlineData("CNI_COMMAND", "")]
    [InlineData("CNI_COMMAND", "ATTACH")]
    [InlineData("CNI_CONTAINERID", "")]
    [InlineData("CNI_CONTAINERID", "has space")]
    [InlineData("CNI_IFNAME", "")]
    [InlineData("CNI_IFNAME", "way-too-long-ifname")]
    [InlineData("CNI_NETNS", "")]
    [InlineData("CNI_ARGS", "K8S_POD_NAME=x")]
    public void Missing_or_invalid_cni_variables_are_code_4_naming_the_variable(string name, string value)
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        var env = new Dictionary<string, string?> { [name] = value };
        lab.Call("ADD", "c1", pod.Path, lab.Conf(), env: env).AssertError(4, name);
        AssertNothingLeft(lab, pod);
    }

    [Fact]
    public void Unknown_cni_version_is_code_1()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf("2.0.0")).AssertError(1, "2.0.0");
        AssertNothingLeft(lab, pod);
    }

    [Theory]
    [InlineData("10.77.0.0/33")]
    [InlineData("10.77.0/24")]
    [InlineData("10.77.0.5/24")]
    [InlineData("banana")]
    public void Bad_cidr_is_code_7_naming_it(string subnet)
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf(ipam: lab.Ipam("podnet-ipam", subnet))).AssertError(7, subnet.Split('/')[0]);
        AssertNothingLeft(lab, pod);
    }

    [Fact]
    public void Exhausted_range_is_code_11_and_rolls_back_the_veth()
    {
        using var lab = new CniLab();
        var conf = lab.Conf(ipam: lab.Ipam("podnet-ipam", "10.77.0.0/30"));
        var ok = lab.Pod();
        lab.Call("ADD", "c1", ok.Path, conf).Ok();
        var pod = lab.Pod();
        lab.Call("ADD", "c2", pod.Path, conf).AssertError(11, "no IP addresses available", "10.77.0.1-10.77.0.2");
        Assert.Equal(["10.77.0.2"], lab.IpFiles());
        Assert.Single(lab.NodeVeths());
        Assert.DoesNotContain("eth0", pod.Ip("link").Check());
    }

    [Fact]
    public void Nonexistent_netns_is_code_3_naming_the_path()
    {
        using var lab = new CniLab();
        lab.Call("ADD", "c1", "/var/run/netns/pnt-cni-does-not-exist", lab.Conf())
            .AssertError(3, "/var/run/netns/pnt-cni-does-not-exist");
        AssertNothingLeft(lab);
    }

    [Fact]
    public void Taken_interface_name_is_code_101_naming_it()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        pod.Ip("link", "add", "eth0", "type", "veth", "peer", "name", "other0").Check();
        lab.Call("ADD", "c1", pod.Path, lab.Conf()).AssertError(101, "eth0", pod.Path);
        Assert.Empty(lab.IpFiles());
        Assert.Empty(lab.NodeVeths());
        Assert.Contains("other0", pod.Ip("link", "show", "eth0").Check());
    }

    [Fact]
    public void Version_lists_supported_versions_and_echoes_the_input()
    {
        using var lab = new CniLab();
        var v = lab.Call("VERSION", "", null, JsonNode.Parse("""{"cniVersion":"0.4.0"}""")).Ok().Json;
        Assert.Equal("0.4.0", (string?)v["cniVersion"]);
        Assert.Equal(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"], v["supportedVersions"]!.AsArray().Select(x => (string)x!));
    }

    [Fact]
    public void Missing_ipam_plugin_is_reported_and_nothing_is_left()
    {
        using var lab = new CniLab();
        var pod = lab.Pod();
        lab.Call("ADD", "c1", pod.Path, lab.Conf(ipam: lab.Ipam("no-such-ipam"))).AssertError(7, "no-such-ipam");
        AssertNothingLeft(lab, pod);
    }
}
