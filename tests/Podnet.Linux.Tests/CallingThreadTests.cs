using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Linux.Tests;

public class CallingThreadTests
{
    private static string Here() => new FileInfo("/proc/thread-self/ns/net").LinkTarget!;

    [Fact]
    public void RunOnCallingThreadSwitchesAndComesBack()
    {
        using var t = new TestNetns("linux");
        string before = Here();
        int tid = Environment.CurrentManagedThreadId;
        var (inside, insideTid) = t.Ns.RunOnCallingThread(() => (Here(), Environment.CurrentManagedThreadId));
        Assert.NotEqual(before, inside);
        Assert.Equal(t.Ns.Run(Here), inside);
        Assert.Equal(tid, insideTid);
        Assert.Equal(before, Here());

        // An exception inside still switches back.
        Assert.Throws<InvalidOperationException>(() => t.Ns.RunOnCallingThread<int>(() => throw new InvalidOperationException()));
        Assert.Equal(before, Here());
    }

    [Fact]
    public void RtnlOpenedOnCallingThreadStaysInTheNamespace()
    {
        using var t = new TestNetns("linux");
        string before = Here();
        using var r = Rtnl.OpenOnCallingThread(t.Ns);
        Assert.Equal(before, Here());
        r.AddVeth("ct0", "ct1");
        Assert.Equal(t.Name, r.Namespace);
        Assert.True(t.Ip("link", "show", "dev", "ct0").Ok);
        Assert.Equal(["ct0", "ct1", "lo"], r.ListLinks().Select(l => l.Name).Order());
    }

    [Fact]
    public void FileLockExcludesOtherHoldersIncludingFlock1()
    {
        string path = Path.Combine(Path.GetTempPath(), "pnt-linux-lock-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var held = FileLock.Acquire(path))
            {
                Assert.Null(FileLock.TryAcquire(path, wait: false));
                Assert.False(Sh.Run("flock", "-n", path, "true").Ok);
            }
            // Other tests spawn processes in parallel: a child forked at that moment holds a copy of the
            // descriptor (and so the lock) for the microseconds until its exec closes it (O_CLOEXEC).
            // So "free again" is checked a few times over at most a second, never waited for blindly.
            using (var again = Eventually(() => FileLock.TryAcquire(path, wait: false))) Assert.NotNull(again);
            Assert.True(Eventually(() => Sh.Run("flock", "-n", path, "true").Ok ? "free" : null) is not null);
        }
        finally { File.Delete(path); }
    }

    private static T? Eventually<T>(Func<T?> attempt) where T : class
    {
        for (int i = 0; i < 50; i++)
        {
            if (attempt() is { } got) return got;
            Thread.Sleep(20);
        }
        return null;
    }

    [Fact]
    public void FileLockInMissingDirectoryNamesThePath()
    {
        var e = Assert.Throws<PodnetLinuxException>(() => FileLock.Acquire("/nonexistent-pnt/lock"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("\"/nonexistent-pnt/lock\"", e.Message);
    }
}
