using System.Net;
using Podnet.Agent.Overlay.Config;

namespace Podnet.Agent.Tests.Overlay;

public class NetworkConfigTests
{
    [Fact]
    public void Defaults_match_the_cluster_defaults()
    {
        var c = NetworkConfig.Default;
        Assert.Equal(IPNetwork.Parse("10.244.0.0/16"), c.Network);
        Assert.Equal(24, c.SubnetLen);
        Assert.Equal(IPAddress.Parse("10.244.0.0"), c.SubnetMin);
        Assert.Equal(IPAddress.Parse("10.244.255.0"), c.SubnetMax);
        Assert.Equal(256, c.SubnetCount);
        Assert.Equal(("vxlan", 1u, (ushort)8472, false), (c.Backend.Type, c.Backend.Vni, c.Backend.Port, c.Backend.DirectRouting));
        Assert.True(c.IpMasq);
    }

    [Theory]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"udp"}}""", "udp", 8285)]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}""", "host-gw", 0)]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"VXLAN","Port":4789,"VNI":42}}""", "vxlan", 4789)]
    public void Backend_defaults_per_type(string json, string type, int port)
    {
        var c = NetworkConfig.Parse(json);
        Assert.Equal(type, c.Backend.Type);
        Assert.Equal(port, c.Backend.Port);
    }

    [Fact]
    public void Subnet_range_and_length_are_honoured()
    {
        var c = NetworkConfig.Parse("""{"Network":"10.10.0.0/16","SubnetLen":26,"SubnetMin":"10.10.1.0","SubnetMax":"10.10.1.192"}""");
        Assert.Equal(4, c.SubnetCount);
        Assert.Equal(IPNetwork.Parse("10.10.1.64/26"), c.SubnetAt(1));
        Assert.True(c.IsLeasable(IPNetwork.Parse("10.10.1.192/26")));
        Assert.False(c.IsLeasable(IPNetwork.Parse("10.10.2.0/26")));
        Assert.False(c.IsLeasable(IPNetwork.Parse("10.10.1.0/24")));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{}""", "Network is missing")]
    [InlineData("""{"Network":"10.244.0.0/33"}""", "Network \"10.244.0.0/33\" is not a valid CIDR")]
    [InlineData("""{"Network":"banana"}""", "Network \"banana\" is not a valid CIDR")]
    [InlineData("""{"Network":"10.244.1.0/16"}""", "has host bits set")]
    [InlineData("""{"Network":"fd00::/64"}""", "is not IPv4")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":16}""", "SubnetLen 16 must be larger than the prefix length of Network 10.244.0.0/16")]
    [InlineData("""{"Network":"10.244.0.0/24","SubnetLen":24}""", "SubnetLen 24 must be larger")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":31}""", "SubnetLen 31 is too large")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":"24"}""", "SubnetLen must be an integer")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetMin":"10.245.0.0"}""", "SubnetMin 10.245.0.0 is outside Network 10.244.0.0/16")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetMax":"10.244.3.7"}""", "SubnetMax 10.244.3.7 is not the start of a /24 subnet")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.9.0","SubnetMax":"10.244.3.0"}""", "SubnetMin 10.244.9.0 is above SubnetMax 10.244.3.0")]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"ipip"}}""", "unknown Backend.Type \"ipip\" (known: vxlan, host-gw, udp)")]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","VNI":16777216}}""", "Backend.VNI 16777216 is out of range")]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"udp","Port":70000}}""", "Backend.Port 70000 is out of range")]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","DirectRouting":"yes"}}""", "DirectRouting must be true or false")]
    [InlineData("""{"Network":"10.244.0.0/16","Backend":"vxlan"}""", "Backend must be an object")]
    public void Malformed_configs_are_rejected_naming_the_problem(string json, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => NetworkConfig.Parse(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Json_round_trips()
    {
        var c = NetworkConfig.Parse("""{"Network":"10.20.0.0/16","SubnetLen":25,"Backend":{"Type":"vxlan","VNI":7,"DirectRouting":true},"IPMasq":false}""");
        Assert.Equal(c, NetworkConfig.Parse(c.ToJson()));
    }
}
