using Podnet.Testing;

namespace Podnet.Linux.Tests;

public class SpawnTests
{
    [Fact]
    public void DetachedChildGetsArgsAndEnvironmentAndTheCallingThreadsNamespace()
    {
        using var t = new TestNetns("linux");
        string outFile = Path.Combine(Path.GetTempPath(), "pnt-linux-spawn-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The child records its argument, an environment variable and its network namespace.
            int pid = t.Ns.RunOnCallingThread(() => Spawn.Detached("/bin/sh",
                ["sh", "-c", "echo \"$1 $PNT_X $(readlink /proc/self/ns/net)\" > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"", "sh", "hello", outFile],
                new Dictionary<string, string> { ["PNT_X"] = "from-env", ["PATH"] = "/usr/bin:/bin" }));
            Assert.True(pid > 0);
            for (int i = 0; i < 200 && !File.Exists(outFile); i++) Thread.Sleep(25);
            string[] got = File.ReadAllText(outFile).Trim().Split(' ');
            Assert.Equal("hello", got[0]);
            Assert.Equal("from-env", got[1]);
            Assert.Equal(t.Ns.Run(() => new FileInfo("/proc/thread-self/ns/net").LinkTarget), got[2]);
        }
        finally { File.Delete(outFile); }
    }

    [Fact]
    public void MissingProgramIsNamed()
    {
        var e = Assert.Throws<PodnetLinuxException>(() =>
            Spawn.Detached("/nonexistent/pnt-prog", ["pnt-prog"], new Dictionary<string, string>()));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("\"/nonexistent/pnt-prog\"", e.Message);
    }
}
