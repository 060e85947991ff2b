using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

public class NeighbourTests
{
    [Fact]
    public void PermanentNeighbourReplaceListDelete()
    {
        using var a = new NsRtnl();
        a.Dev("d0");
        a.R.SetUp("d0");
        var mac = MacAddress.Parse("02:00:00:00:00:12");
        a.R.ReplaceNeighbour("d0", Ip("10.244.2.0"), mac);
        a.R.ReplaceNeighbour("d0", Ip("10.244.2.0"), mac); // replace: no EEXIST
        a.R.ReplaceNeighbour("d0", Ip("fd00::12"), mac);

        var n = a.T.IpJson("neigh", "show", "dev", "d0").EnumerateArray()
            .Single(x => x.GetProperty("dst").GetString() == "10.244.2.0");
        Assert.Equal("02:00:00:00:00:12", n.GetProperty("lladdr").GetString());
        Assert.Contains("PERMANENT", n.GetProperty("state").EnumerateArray().Select(s => s.GetString()));

        var mine = a.R.ListNeighbours("d0");
        var v4 = mine.Single(x => x.Ip.Equals(Ip("10.244.2.0")));
        Assert.True(v4.IsPermanent);
        Assert.Equal(mac, v4.Mac);
        Assert.Contains(mine, x => x.Ip.Equals(Ip("fd00::12")));

        var mac2 = MacAddress.Parse("02:00:00:00:00:13");
        a.R.ReplaceNeighbour("d0", Ip("10.244.2.0"), mac2);
        Assert.Equal(mac2, a.R.ListNeighbours("d0").Single(x => x.Ip.Equals(Ip("10.244.2.0"))).Mac);

        a.R.DeleteNeighbour("d0", Ip("10.244.2.0"));
        a.R.DeleteNeighbour("d0", Ip("10.244.2.0")); // idempotent
        Assert.DoesNotContain("10.244.2.0", a.T.Ip("neigh", "show", "dev", "d0").Check());
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.DeleteNeighbour("d0", Ip("10.244.2.0"), ignoreMissing: false));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("neighbour 10.244.2.0 on \"d0\"", e.Message);
    }

    [Fact]
    public void VxlanFdbAppendReplaceDelete()
    {
        using var a = new NsRtnl();
        a.R.AddVxlan("vx0", vni: 1, port: 8472, local: Ip("192.0.2.1"));
        var vtep = MacAddress.Parse("02:00:00:00:01:02");
        var zero = new MacAddress(0);
        a.R.AppendFdb("vx0", vtep, Ip("192.0.2.2"));
        a.R.AppendFdb("vx0", zero, Ip("192.0.2.2")); // flood list: two remotes for the same MAC
        a.R.AppendFdb("vx0", zero, Ip("192.0.2.3"));

        var fdb = a.T.BridgeJson("fdb", "show", "dev", "vx0").EnumerateArray()
            .Select(x => (x.GetProperty("mac").GetString(), x.TryGetProperty("dst", out var d) ? d.GetString() : null))
            .ToList();
        Assert.Contains(("02:00:00:00:01:02", "192.0.2.2"), fdb);
        Assert.Contains(("00:00:00:00:00:00", "192.0.2.2"), fdb);
        Assert.Contains(("00:00:00:00:00:00", "192.0.2.3"), fdb);

        var mine = a.R.ListFdb("vx0");
        var entry = mine.Single(x => x.Mac == vtep);
        Assert.Equal(Ip("192.0.2.2"), entry.Destination);
        Assert.True(entry.IsSelf);
        Assert.True(entry.IsPermanent);
        Assert.Equal(2, mine.Count(x => x.Mac == zero));

        // The node's VTEP moved: replace points the MAC at the new address.
        a.R.ReplaceFdb("vx0", vtep, Ip("192.0.2.9"));
        Assert.Equal(Ip("192.0.2.9"), a.R.ListFdb("vx0").Single(x => x.Mac == vtep).Destination);

        a.R.DeleteFdb("vx0", zero, Ip("192.0.2.3"));
        Assert.Equal(Ip("192.0.2.2"), a.R.ListFdb("vx0").Single(x => x.Mac == zero).Destination);
        a.R.DeleteFdb("vx0", vtep, Ip("192.0.2.9"));
        a.R.DeleteFdb("vx0", vtep, Ip("192.0.2.9")); // idempotent
        Assert.DoesNotContain("02:00:00:00:01:02", a.T.Output("bridge", "fdb", "show", "dev", "vx0"));
    }

    [Fact]
    public void BridgePortFdbOnMaster()
    {
        using var a = new NsRtnl();
        a.R.AddBridge("br0");
        a.Dev("p0");
        a.R.SetMaster("p0", "br0");
        var mac = MacAddress.Parse("02:00:00:00:0a:0b");
        a.R.ReplaceFdb("p0", mac, self: false);
        var e = a.R.ListFdb("p0").Single(x => x.Mac == mac);
        Assert.False(e.IsSelf);
        Assert.Equal(a.R.GetLink("br0").Index, e.MasterIndex);
        Assert.Contains(a.T.BridgeJson("fdb", "show", "dev", "p0").EnumerateArray(),
            x => x.GetProperty("mac").GetString() == "02:00:00:00:0a:0b" && x.GetProperty("master").GetString() == "br0");
        a.R.DeleteFdb("p0", mac, self: false);
        Assert.DoesNotContain(a.R.ListFdb("p0"), x => x.Mac == mac);
    }

    [Fact]
    public void BridgeVlansOnPortsAndSelf()
    {
        using var a = new NsRtnl();
        // vlan_filtering needs CONFIG_BRIDGE_VLAN_FILTERING: whatever iproute2 gets, we must get too.
        bool kernelHasIt = a.T.Ip("link", "add", "probe0", "type", "bridge", "vlan_filtering", "1").Ok;
        if (!kernelHasIt)
        {
            var no = Assert.Throws<PodnetLinuxException>(() => a.R.AddBridge("br0", vlanFiltering: true));
            Assert.Equal(Errno.EOPNOTSUPP, no.Errno);
            Assert.Contains("could not add bridge \"br0\"", no.Message);
            Assert.Null(a.R.FindLink("br0"));
            return;
        }
        a.R.AddBridge("br0", vlanFiltering: true);
        a.Dev("p0");
        a.R.SetMaster("p0", "br0");
        a.R.AddBridgeVlan("p0", 100, pvid: true, untagged: true);
        a.R.AddBridgeVlan("br0", 100, self: true);
        var vl = a.R.ListBridgeVlans();
        int p0 = a.R.GetLink("p0").Index, br0 = a.R.GetLink("br0").Index;
        Assert.Contains(new Podnet.Linux.Netlink.BridgeVlan(p0, 100, true, true), vl);
        Assert.Contains(vl, v => v.Index == br0 && v.Vid == 100 && !v.Pvid);
        var shown = a.T.BridgeJson("vlan", "show", "dev", "p0")[0].GetProperty("vlans").EnumerateArray()
            .Single(v => v.GetProperty("vlan").GetInt32() == 100);
        Assert.Contains("PVID", shown.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        a.R.DeleteBridgeVlan("p0", 100);
        Assert.DoesNotContain(a.R.ListBridgeVlans(), v => v.Index == p0 && v.Vid == 100);
    }

    [Fact]
    public void BridgeVlanIdIsCheckedBeforeTheKernel()
    {
        using var a = new NsRtnl();
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddBridgeVlan("lo", 4095));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("vlan 4095 on \"lo\"", e.Message);
        Assert.Contains("1..4094", e.Message);
    }
}
