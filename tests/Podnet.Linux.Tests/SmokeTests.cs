using System.Net;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;
using Podnet.Testing;

namespace Podnet.Linux.Tests;

public class SmokeTests
{
    [Fact]
    public void VethBetweenTwoNamespacesCarriesPing()
    {
        using var a = new TestNetns("linux");
        using var b = new TestNetns("linux");
        using var ra = Rtnl.Open(a.Ns);
        using var rb = Rtnl.Open(b.Ns);
        ra.AddVeth("va", "vb", b.Ns);
        ra.AddAddress("va", IPAddress.Parse("10.9.0.1"), 24);
        rb.AddAddress("vb", IPAddress.Parse("10.9.0.2"), 24);
        ra.SetUp("va");
        rb.SetUp("vb");
        ra.SetUp("lo");
        var r = a.Exec("ping", "-c", "1", "-W", "2", "10.9.0.2");
        Assert.True(r.Ok, r.Stdout + r.Stderr);
    }
}

public class SmokeErrorTests
{
    [Fact]
    public void DuplicateVethNamesTheObjectAndErrno()
    {
        using var a = new TestNetns("linux");
        using var ra = Rtnl.Open(a.Ns);
        ra.AddVeth("veth1a2b", "peer1a2b");
        var e = Assert.Throws<PodnetLinuxException>(() => ra.AddVeth("veth1a2b", "peer2"));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.StartsWith($"could not add veth \"veth1a2b\" (peer \"peer2\") in {a.Name}: File exists (EEXIST)", e.Message);
    }
}
