using System.Text.Json;
using Podnet.Linux.Netlink;
using Podnet.Testing;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

public class LinkTests
{
    private static JsonElement Link(TestNetns t, string name, bool details = false) =>
        details ? t.IpJson("-d", "link", "show", "dev", name)[0] : t.IpJson("link", "show", "dev", name)[0];

    [Fact]
    public void VethPeerIsCreatedDirectlyInTheOtherNamespace()
    {
        using var a = new NsRtnl();
        using var b = new NsRtnl();
        var mac = MacAddress.Parse("02:11:22:33:44:55");
        a.R.AddVeth("pa", "pb", b.T.Ns, mtu: 1400, peerMac: mac);

        var pa = Link(a.T, "pa", details: true);
        Assert.Equal("veth", pa.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.Equal(1400, pa.GetProperty("mtu").GetInt32());
        Assert.True(pa.TryGetProperty("link_netnsid", out _)); // peer lives elsewhere
        Assert.False(a.T.Ip("link", "show", "dev", "pb").Ok);

        var pb = Link(b.T, "pb");
        Assert.Equal(1400, pb.GetProperty("mtu").GetInt32());
        Assert.Equal(mac.ToString(), pb.GetProperty("address").GetString());

        var model = a.R.GetLink("pa");
        Assert.Equal("veth", model.Kind);
        Assert.Equal(1400, model.Mtu);
        Assert.NotNull(model.PeerNetnsId);
        Assert.Equal(b.R.GetLink("pb").Index, model.ParentIndex);
        Assert.Equal(model, a.R.GetLink(model.Index));
    }

    [Fact]
    public void VethWithBothEndsHere()
    {
        using var a = new NsRtnl();
        a.R.AddVeth("v0", "v1");
        var names = a.R.ListLinks().Select(l => l.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "lo", "v0", "v1" }, names);
        Assert.Equal(a.R.GetLink("v1").Index, a.R.GetLink("v0").ParentIndex);
        a.R.DeleteLink("v0");
        Assert.Null(a.R.FindLink("v1")); // the peer goes with it
        Assert.Equal(new[] { "lo" }, a.T.IpJson("link").EnumerateArray().Select(l => l.GetProperty("ifname").GetString()));
    }

    [Fact]
    public void BridgeUpDownMtuMacMasterPromisc()
    {
        using var a = new NsRtnl();
        a.R.AddBridge("br0", mtu: 1450);
        a.Dev("d0");
        a.R.SetDown("d0");
        Assert.Equal("bridge", Link(a.T, "br0", true).GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.Equal("veth", a.R.GetLink("d0").Kind);

        a.R.SetUp("br0");
        a.R.SetUp("d0");
        Assert.Contains("UP", Link(a.T, "d0").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.True(a.R.GetLink("d0").IsUp);
        a.R.SetDown("d0");
        Assert.DoesNotContain("UP", Link(a.T, "d0").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));

        a.R.SetMtu("d0", 1300);
        Assert.Equal(1300, Link(a.T, "d0").GetProperty("mtu").GetInt32());
        var mac = MacAddress.Parse("02:aa:bb:cc:dd:ee");
        a.R.SetMac("d0", mac);
        Assert.Equal("02:aa:bb:cc:dd:ee", Link(a.T, "d0").GetProperty("address").GetString());
        Assert.Equal(mac, a.R.GetLink("d0").Mac);

        a.R.SetMaster("d0", "br0");
        Assert.Equal("br0", Link(a.T, "d0").GetProperty("master").GetString());
        Assert.Equal(a.R.GetLink("br0").Index, a.R.GetLink("d0").MasterIndex);
        a.R.SetNoMaster("d0");
        Assert.False(Link(a.T, "d0").TryGetProperty("master", out _));

        a.R.SetPromisc("d0", true);
        Assert.Contains("PROMISC", Link(a.T, "d0").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.True(a.R.GetLink("d0").IsPromisc);
        a.R.SetPromisc("d0", false);
        Assert.DoesNotContain("PROMISC", Link(a.T, "d0").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public void HairpinIsABridgePortFlag()
    {
        using var a = new NsRtnl();
        a.R.AddBridge("br0");
        a.R.AddVeth("hp0", "hp1");
        a.R.SetMaster("hp0", "br0");
        a.R.SetHairpin("hp0", true);
        bool Hairpin() => a.T.BridgeJson("-d", "link", "show", "dev", "hp0")[0].GetProperty("hairpin").GetBoolean();
        Assert.True(Hairpin());
        a.R.SetHairpin("hp0", false);
        Assert.False(Hairpin());
        // Not a bridge port: the kernel refuses, and the error says which link.
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.SetHairpin("hp1", true));
        Assert.Contains("\"hp1\"", e.Message);
    }

    [Fact]
    public void VxlanParametersReachTheKernel()
    {
        using var a = new NsRtnl();
        a.Dev("under0");
        a.R.AddAddress("under0", Ip("192.0.2.1"), 24);
        a.R.AddVxlan("pn-vxlan.1", vni: 1, port: 8472, local: Ip("192.0.2.1"), underlay: "under0", learning: false);
        a.R.AddVxlan("vx42", vni: 42, port: 4789, learning: true);

        var vx = Link(a.T, "pn-vxlan.1", true).GetProperty("linkinfo").GetProperty("info_data");
        Assert.Equal(1, vx.GetProperty("id").GetInt32());
        Assert.Equal(8472, vx.GetProperty("port").GetInt32());
        Assert.Equal("192.0.2.1", vx.GetProperty("local").GetString());
        Assert.Equal("under0", vx.GetProperty("link").GetString());
        Assert.False(vx.GetProperty("learning").GetBoolean());
        var vx42 = Link(a.T, "vx42", true).GetProperty("linkinfo").GetProperty("info_data");
        Assert.Equal(42, vx42.GetProperty("id").GetInt32());
        Assert.True(vx42.GetProperty("learning").GetBoolean());

        var model = a.R.GetLink("pn-vxlan.1").Vxlan!;
        Assert.Equal(new VxlanInfo(1, 8472, Ip("192.0.2.1"), a.R.GetLink("under0").Index, false), model);
    }

    [Fact]
    public void VxlanVniMustFit24Bits()
    {
        using var a = new NsRtnl();
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddVxlan("vx0", vni: 1 << 24));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Null(a.R.FindLink("vx0"));
    }

    [Fact]
    public void SetNetnsMovesTheLink()
    {
        using var a = new NsRtnl();
        using var b = new NsRtnl();
        a.Dev("mv0");
        a.R.SetNetns("mv0", b.T.Ns);
        Assert.Null(a.R.FindLink("mv0"));
        Assert.Equal("veth", b.R.GetLink("mv0").Kind);
        Assert.Equal("mv0", Link(b.T, "mv0").GetProperty("ifname").GetString());
    }

    [Fact]
    public void RenameAndLookupByIndex()
    {
        using var a = new NsRtnl();
        a.Dev("tmp0");
        int idx = a.R.GetLink("tmp0").Index;
        a.R.SetName("tmp0", "eth0");
        Assert.Null(a.R.FindLink("tmp0"));
        Assert.Equal(idx, a.R.GetLink("eth0").Index);
        Assert.Equal("eth0", a.R.FindLink(idx)!.Name);
        Assert.Null(a.R.FindLink(idx + 1000));
    }

    [Fact]
    public async Task RtnlWorksFromAnyThreadAfterOpening()
    {
        using var a = new NsRtnl();
        // The socket stays in its namespace: thread-pool threads (in the host netns) use it safely.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => a.R.AddVeth("t" + i, "u" + i))));
        Assert.Equal(4, a.T.IpJson("link").EnumerateArray().Count(l => l.GetProperty("ifname").GetString()!.StartsWith('t')));
    }

    [Fact]
    public void DummyBehavesLikeIproute2OnThisKernel()
    {
        using var a = new NsRtnl();
        var ip = a.T.Ip("link", "add", "dm0", "type", "dummy");
        if (ip.Ok)
        {
            a.R.AddDummy("dm1");
            Assert.Equal("dummy", a.R.GetLink("dm1").Kind);
            return;
        }
        // No dummy driver (CONFIG_DUMMY off): the kernel's reason survives in our error.
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddDummy("dm1"));
        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Contains("Unknown device type", ip.Stderr);
        Assert.Contains("could not add dummy \"dm1\"", e.Message);
        Assert.Contains("Unknown device type", e.Message);
    }
}
