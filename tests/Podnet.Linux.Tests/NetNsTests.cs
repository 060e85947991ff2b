using Podnet.Linux.Netns;
using Podnet.Testing;

namespace Podnet.Linux.Tests;

public class NetNsTests
{
    // "/proc/…/ns/net" links read "net:[INODE]"; a bind mount of a namespace has that inode.
    private static string NsInode(string path) => path.StartsWith("/proc/")
        ? new FileInfo(path).LinkTarget!.Trim('n', 'e', 't', ':', '[', ']')
        : Sh.Run("stat", "-L", "-c", "%i", path).Check().Trim();

    [Fact]
    public void CreateIsVisibleToIproute2AndDeleteRemovesIt()
    {
        string name = "pnt-linux-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var ns = NetNs.Create(name))
            {
                Assert.Equal(name, ns.Name);
                Assert.Equal("/var/run/netns/" + name, ns.Path);
                Assert.True(NetNs.Exists(name));
                Assert.Contains(name, Sh.Run("ip", "netns", "list").Check());
                // A fresh namespace has only a down loopback.
                var links = Sh.Run("ip", "-n", name, "-o", "link").Check().Trim().Split('\n');
                Assert.Single(links);
                Assert.Contains("lo:", links[0]);
            }
            NetNs.Delete(name);
            Assert.False(NetNs.Exists(name));
            Assert.DoesNotContain(name, Sh.Run("ip", "netns", "list").Check());
            NetNs.Delete(name); // idempotent
        }
        finally { NetNs.Delete(name); }
    }

    [Fact]
    public void NamespaceMadeByIproute2OpensByNameAndPath()
    {
        string name = "pnt-linux-" + Guid.NewGuid().ToString("N")[..8];
        Sh.Run("ip", "netns", "add", name).Check();
        try
        {
            using var byName = NetNs.Open(name);
            using var byPath = NetNs.Open("/var/run/netns/" + name);
            Assert.Equal(name, byName.Name);
            Assert.Null(byPath.Name);
            string inside = byName.Run(() => NsInode("/proc/thread-self/ns/net"));
            Assert.Equal(NsInode("/var/run/netns/" + name), inside);
            Assert.Equal(inside, byPath.Run(() => NsInode("/proc/thread-self/ns/net")));
        }
        finally { Sh.Run("ip", "netns", "del", name); }
    }

    [Fact]
    public void RunSwitchesOnlyItsOwnThread()
    {
        using var t = new TestNetns("linux");
        string host = NsInode("/proc/thread-self/ns/net");
        string inside = t.Ns.Run(() => NsInode("/proc/thread-self/ns/net"));
        Assert.NotEqual(host, inside);
        Assert.Equal(host, NsInode("/proc/thread-self/ns/net"));
        using var current = NetNs.Current();
        Assert.True(current.IsProcessNamespace);
        Assert.Equal(NsInode("/proc/self/ns/net"), current.Run(() => NsInode("/proc/thread-self/ns/net")));
    }

    [Fact]
    public void RunRethrowsTheActionsException()
    {
        using var t = new TestNetns("linux");
        var e = Assert.Throws<InvalidOperationException>(() => t.Ns.Run(() => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", e.Message);
        Assert.Equal(42, t.Ns.Run(() => 42));
    }

    [Fact]
    public void CreatingAnExistingNameFailsWithEexistAndLeavesItIntact()
    {
        using var t = new TestNetns("linux");
        var e = Assert.Throws<PodnetLinuxException>(() => NetNs.Create(t.Name));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("EEXIST", e.ErrnoName);
        Assert.Contains($"could not create netns \"{t.Name}\"", e.Message);
        Assert.True(t.Ip("link").Ok); // still a working namespace
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void BadNamesAreRejected(string name)
    {
        var e = Assert.Throws<PodnetLinuxException>(() => NetNs.Create(name));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.False(NetNs.Exists(name));
    }

    [Fact]
    public void OpeningAMissingNamespaceNamesIt()
    {
        var e = Assert.Throws<PodnetLinuxException>(() => NetNs.Open("pnt-linux-missing0"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("\"pnt-linux-missing0\"", e.Message);
        var p = Assert.Throws<PodnetLinuxException>(() => NetNs.Open("/proc/1/ns/nope"));
        Assert.Equal(Errno.ENOENT, p.Errno);
    }

    [Fact]
    public void OpeningAFileThatIsNotANamespaceIsRejected()
    {
        var e = Assert.Throws<PodnetLinuxException>(() => NetNs.Open("/etc/hostname"));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("not a network namespace", e.Message);
        // A namespace of another type is not a network namespace either.
        var u = Assert.Throws<PodnetLinuxException>(() => NetNs.Open("/proc/self/ns/uts"));
        Assert.Equal(Errno.EINVAL, u.Errno);
    }

    [Fact]
    public void TestNetnsDisposeKillsItsProcessesAndDeletesIt()
    {
        var t = new TestNetns("linux");
        using var sleeper = System.Diagnostics.Process.Start("ip", ["netns", "exec", t.Name, "sleep", "60"]);
        for (int i = 0; i < 100 && Sh.Run("ip", "netns", "pids", t.Name).Stdout.Trim() == ""; i++) Thread.Sleep(20);
        Assert.NotEqual("", Sh.Run("ip", "netns", "pids", t.Name).Stdout.Trim());
        t.Dispose();
        Assert.True(sleeper.WaitForExit(5000));
        Assert.False(NetNs.Exists(t.Name));
    }
}

public class ProcessInNetnsTests
{
    [Fact]
    public void ProcessStartedInsideRunLivesInTheNamespace()
    {
        using var t = new TestNetns("linux");
        // fork/exec happens on the switched thread, so the child inherits its namespace.
        using var p = t.Ns.Run(() => System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30"))!);
        try
        {
            Assert.Equal(new FileInfo($"/proc/{p.Id}/ns/net").LinkTarget, t.Ns.Run(() => new FileInfo("/proc/thread-self/ns/net").LinkTarget));
            Assert.Contains(p.Id.ToString(), Sh.Run("ip", "netns", "pids", t.Name).Check().Split('\n'));
        }
        finally { p.Kill(); p.WaitForExit(5000); }
    }
}
