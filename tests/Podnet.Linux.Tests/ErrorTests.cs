using Podnet.Linux.Netlink;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

public class ErrorTests
{
    [Fact]
    public void DuplicateVethNamesObjectNamespaceAndErrno()
    {
        using var a = new NsRtnl();
        a.R.AddVeth("veth1a2b", "peer1a2b");
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddVeth("veth1a2b", "peer2"));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("EEXIST", e.ErrnoName);
        Assert.Equal(a.Name, e.Namespace);
        Assert.StartsWith($"could not add veth \"veth1a2b\" (peer \"peer2\") in {a.Name}: File exists (EEXIST)", e.Message);
        Assert.Null(a.R.FindLink("peer2")); // nothing half-made
    }

    [Fact]
    public void MissingLinkIsEnodevNamingIt()
    {
        using var a = new NsRtnl();
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.SetUp("ghost0"));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.StartsWith($"could not set up \"ghost0\" in {a.Name}: No such device (ENODEV)", e.Message);
        Assert.Equal(Errno.ENODEV, Assert.Throws<PodnetLinuxException>(() => a.R.GetLink("ghost0")).Errno);
        Assert.Equal(Errno.ENODEV, Assert.Throws<PodnetLinuxException>(() => a.R.SetMaster("lo", "ghost0")).Errno);
        Assert.Null(a.R.FindLink("ghost0"));
        Assert.Contains("ifindex 9999", Assert.Throws<PodnetLinuxException>(() => a.R.SetMtu(9999, 1400)).Message);
    }

    [Fact]
    public void DeletingAMissingLinkSucceedsWhenIdempotent()
    {
        using var a = new NsRtnl();
        a.Dev("d0");
        a.R.DeleteLink("d0");
        a.R.DeleteLink("d0");
        a.R.DeleteLink(4242);
        Assert.False(a.T.Ip("link", "show", "dev", "d0").Ok);
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.DeleteLink("d0", ignoreMissing: false));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Contains("could not delete link \"d0\"", e.Message);
    }

    [Theory]
    [InlineData("a-name-of-16-byt")]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("sl/ash")]
    [InlineData("ünïcödé-ñämé")] // 12 characters but 18 UTF-8 bytes
    public void BadInterfaceNamesAreRejectedBeforeTheKernel(string name)
    {
        using var a = new NsRtnl();
        var before = a.T.Ip("-o", "link").Check();
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddDummy(name));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains($"\"{name}\"", e.Message);
        Assert.Contains("interface name", e.Message); // our text, not the kernel's
        Assert.Throws<PodnetLinuxException>(() => a.R.AddVeth("ok0", name));
        Assert.Throws<PodnetLinuxException>(() => a.R.AddBridge(name));
        Assert.Equal(before, a.T.Ip("-o", "link").Check());
    }

    [Fact]
    public void FifteenByteNameIsFine()
    {
        using var a = new NsRtnl();
        a.R.AddVeth("abcdefghijklmno", "p0");
        Assert.Equal("abcdefghijklmno", a.T.IpJson("link", "show", "dev", "abcdefghijklmno")[0].GetProperty("ifname").GetString());
    }

    [Fact]
    public void KernelExtendedAckTextIsKept()
    {
        using var a = new NsRtnl();
        a.R.AddVxlan("vx0", vni: 5);
        // The same VNI and port twice: the kernel explains why in its extended ack.
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.AddVxlan("vx1", vni: 5));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.False(string.IsNullOrEmpty(e.Detail));
        Assert.Contains("VNI", e.Detail);
        Assert.EndsWith("(EEXIST): " + e.Detail, e.Message);
        Assert.Contains("could not add vxlan \"vx1\"", e.Message);
    }

    [Fact]
    public void ErrnoNamesAndMessagesComeFromOnePlace()
    {
        Assert.Equal("EEXIST", Errno.Name(17));
        Assert.Equal("File exists", Errno.Message(17));
        Assert.Equal("ENODEV", Errno.Name(Errno.ENODEV));
        Assert.Equal("E4000", Errno.Name(4000));
        var e = new PodnetLinuxException("add route", "route 10.244.2.0/24 via 192.168.80.12", "pn-lab-node-1", Errno.ENETUNREACH);
        Assert.Equal("could not add route route 10.244.2.0/24 via 192.168.80.12 in pn-lab-node-1: Network is unreachable (ENETUNREACH)", e.Message);
    }
}

public class VethErrorTests
{
    [Fact]
    public void PeerNameTakenInThePodNamespaceIsNamedAndNothingIsLeft()
    {
        using var host = new NsRtnl();
        using var pod = new NsRtnl();
        pod.Dev("eth0");
        var e = Assert.Throws<PodnetLinuxException>(() => host.R.AddVeth("veth9", "eth0", pod.T.Ns));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.StartsWith($"could not add veth \"veth9\" (peer \"eth0\" in {pod.Name}) in {host.Name}: File exists (EEXIST)", e.Message);
        Assert.Null(host.R.FindLink("veth9"));
        Assert.Equal("veth", pod.R.GetLink("eth0").Kind); // the pod's own eth0 is untouched
    }

    [Fact]
    public void PeerNamespaceWhoseNameIsGoneStillWorksThroughItsHandle()
    {
        using var host = new NsRtnl();
        var pod = new Podnet.Testing.TestNetns("linux");
        try
        {
            Podnet.Linux.Netns.NetNs.Delete(pod.Name); // like a runtime removing the bind mount early
            host.R.AddVeth("veth8", "eth0", pod.Ns);
            Assert.NotNull(host.R.GetLink("veth8").PeerNetnsId);
            using var inPod = Rtnl.Open(pod.Ns);
            Assert.Equal("veth", inPod.GetLink("eth0").Kind);
        }
        finally { pod.Dispose(); }
    }
}
