using System.Net.Sockets;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

public class AddressTests
{
    [Fact]
    public void AddListDeleteIpv4AndIpv6()
    {
        using var a = new NsRtnl();
        a.Dev("d0");
        a.R.SetUp("d0");
        a.R.AddAddress("d0", Ip("10.244.1.5"), 24);
        a.R.AddAddress("d0", Ip("fd00::5"), 64, noDad: true);

        var ip = a.T.IpJson("addr", "show", "dev", "d0")[0].GetProperty("addr_info").EnumerateArray()
            .Select(x => (x.GetProperty("local").GetString(), x.GetProperty("prefixlen").GetInt32(),
                x.TryGetProperty("broadcast", out var b) ? b.GetString() : null))
            .ToList();
        Assert.Contains(("10.244.1.5", 24, "10.244.1.255"), ip);
        Assert.Contains(("fd00::5", 64, null), ip);

        var mine = a.R.ListAddresses("d0");
        Assert.Contains(mine, x => x.ToString() == "10.244.1.5/24");
        Assert.Contains(mine, x => x.ToString() == "fd00::5/64");
        Assert.DoesNotContain(mine, x => x.Index != a.R.GetLink("d0").Index);
        Assert.All(a.R.ListAddresses(family: AddressFamily.InterNetwork), x => Assert.Equal(AddressFamily.InterNetwork, x.Ip.AddressFamily));

        a.R.DeleteAddress("d0", Ip("10.244.1.5"), 24);
        a.R.DeleteAddress("d0", Ip("10.244.1.5"), 24); // idempotent
        Assert.DoesNotContain(a.R.ListAddresses("d0"), x => x.Ip.Equals(Ip("10.244.1.5")));
        Assert.DoesNotContain("10.244.1.5", a.T.Ip("addr", "show", "dev", "d0").Check());
    }

    [Fact]
    public void DuplicateAddressIsEexistUnlessTolerated()
    {
        using var a = new NsRtnl();
        a.Dev("d0");
        a.R.AddAddress("d0", Ip("10.1.2.3"), 24);
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddAddress("d0", Ip("10.1.2.3"), 24));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.StartsWith($"could not add address 10.1.2.3/24 on \"d0\" in {a.Name}: File exists (EEXIST)", e.Message);
        a.R.AddAddress("d0", Ip("10.1.2.3"), 24, ignoreExisting: true);
        Assert.Single(a.R.ListAddresses("d0"));
    }

    [Fact]
    public void AddressOnMissingLinkNamesTheLink()
    {
        using var a = new NsRtnl();
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddAddress("nope0", Ip("10.1.2.3"), 24));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Contains("\"nope0\"", e.Message);
        a.R.DeleteAddress("nope0", Ip("10.1.2.3"), 24); // tolerated: nothing to delete
        var p = Assert.Throws<PodnetLinuxException>(() => a.R.AddAddress("lo", Ip("10.1.2.3"), 33));
        Assert.Equal(Errno.EINVAL, p.Errno);
    }
}
