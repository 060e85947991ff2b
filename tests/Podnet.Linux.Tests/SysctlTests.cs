using Podnet.Linux.Netns;

namespace Podnet.Linux.Tests;

public class SysctlTests
{
    [Fact]
    public void WriteAndReadInsideTheNamespaceOnly()
    {
        using var a = new NsRtnl();
        using var host = NetNs.Current();
        string hostValue = Sysctl.Read(host, "net.ipv4.ip_forward"); // read only: never write the host

        Assert.Equal("0", Sysctl.Read(a.T.Ns, "net.ipv4.ip_forward"));
        Sysctl.Write(a.T.Ns, "net.ipv4.ip_forward", "1");
        Assert.Equal("1", Sysctl.Read(a.T.Ns, "net.ipv4.ip_forward"));
        Assert.Equal("1", a.T.Output("sysctl", "-n", "net.ipv4.ip_forward").Trim());
        Assert.Equal(hostValue, Sysctl.Read(host, "net.ipv4.ip_forward"));
    }

    [Fact]
    public void SlashKeysReachInterfacesWithDotsInTheirNames()
    {
        using var a = new NsRtnl();
        a.R.AddVxlan("pn-vxlan.1", vni: 1);
        Sysctl.Write(a.T.Ns, "net/ipv4/conf/pn-vxlan.1/forwarding", "1");
        Assert.Equal("1", a.T.Output("cat", "/proc/sys/net/ipv4/conf/pn-vxlan.1/forwarding").Trim());
        Assert.Equal("1", Sysctl.Read(a.T.Ns, "net/ipv4/conf/pn-vxlan.1/forwarding"));
        Sysctl.Write(a.T.Ns, "net.ipv6.conf.all.disable_ipv6", "1");
        Assert.Equal("1", a.T.Output("sysctl", "-n", "net.ipv6.conf.all.disable_ipv6").Trim());
    }

    [Fact]
    public void MissingAndMalformedKeysAreNamed()
    {
        using var a = new NsRtnl();
        var e = Assert.Throws<PodnetLinuxException>(() => Sysctl.Read(a.T.Ns, "net.ipv4.conf.nope0.forwarding"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("net.ipv4.conf.nope0.forwarding", e.Message);
        Assert.Contains(a.Name, e.Message);
        Assert.Equal(Errno.EINVAL, Assert.Throws<PodnetLinuxException>(() => Sysctl.PathOf("net/../../etc")).Errno);
        Assert.Equal("/proc/sys/net/ipv4/ip_forward", Sysctl.PathOf("net.ipv4.ip_forward"));
    }
}
