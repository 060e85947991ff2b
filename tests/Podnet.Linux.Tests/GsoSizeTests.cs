using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Linux.Tests;

/// <summary>BIG TCP sizes (IFLA_GSO/GRO_(IPV4_)MAX_SIZE) set over netlink, read back by the kernel's
/// own dump and by ip, and refused above the driver's ceiling.</summary>
public class GsoSizeTests
{
    [Fact]
    public void BigTcpSizesReachTheKernelAndAreReadBack()
    {
        using var a = new NsRtnl();
        using var b = new NsRtnl();
        a.R.AddVeth("pa", "pb", b.T.Ns);
        var before = a.R.GetLink("pa");
        Assert.Equal(65536, before.GsoIpv4MaxSize);
        Assert.True(before.TsoMaxSize > 196608, $"veth tso_max_size {before.TsoMaxSize}");

        a.R.SetGsoMaxSize("pa", 196608);
        var after = a.R.GetLink("pa");
        Assert.Equal(196608, after.GsoIpv4MaxSize);
        var details = a.T.IpJson("-d", "link", "show", "dev", "pa")[0];
        Assert.Equal(196608, details.GetProperty("gso_max_size").GetInt32());
        Assert.Equal(196608, details.GetProperty("gro_max_size").GetInt32());
        Assert.Equal(65536, b.R.GetLink("pb").GsoIpv4MaxSize); // per device: the peer is untouched

        a.R.SetGsoMaxSize("pa", 65536);
        Assert.Equal(65536, a.R.GetLink("pa").GsoIpv4MaxSize);
    }

    [Fact]
    public void VxlanRefusesBigTcpWithANamedError()
    {
        using var a = new NsRtnl();
        a.R.AddVxlan("vx7", vni: 7, port: 4789);
        var vx = a.R.GetLink("vx7");
        Assert.Equal(65536, vx.TsoMaxSize);
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.SetGsoMaxSize("vx7", 196608));
        Assert.Contains("vx7", e.Message);
        Assert.Contains("gso", e.Message);
        Assert.Equal(65536, a.R.GetLink("vx7").GsoIpv4MaxSize);
    }
}
