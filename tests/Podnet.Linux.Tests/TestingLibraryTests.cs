using System.Diagnostics;
using Podnet.Testing;

namespace Podnet.Linux.Tests;

/// <summary>The shared test helpers other test projects rely on.</summary>
public class TestingLibraryTests
{
    [Fact]
    public void ShCapturesExitCodeStdoutAndStderr()
    {
        var r = Sh.Run("sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("out", r.Stdout.Trim());
        Assert.Equal("err", r.Stderr.Trim());
        Assert.False(r.Ok);
        var e = Assert.Throws<InvalidOperationException>(() => r.Check());
        Assert.Contains("exited 3", e.Message);
        Assert.Contains("err", e.Message);
        Assert.Equal("in\n", Sh.Run(["cat"], stdin: "in\n").Check());
    }

    [Fact]
    public void ShTimeoutKillsTheCommand()
    {
        var sw = Stopwatch.StartNew();
        var r = Sh.Run(["sh", "-c", "sleep 30"], TimeSpan.FromMilliseconds(300));
        Assert.True(r.TimedOut);
        Assert.False(r.Ok);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void ShInNetnsRunsInsideIt()
    {
        using var t = new TestNetns("linux");
        Assert.Equal(t.Ns.Run(() => new FileInfo("/proc/thread-self/ns/net").LinkTarget),
            Sh.InNetns(t.Name, "readlink", "/proc/self/ns/net").Check().Trim());
        Assert.StartsWith("pnt-linux-", t.Name);
    }

    [Fact]
    public void BinariesResolveFromPodnetBinWithAClearErrorWhenMissing()
    {
        string dir = Path.Combine(Path.GetTempPath(), "pnt-linux-bin-" + Guid.NewGuid().ToString("N"));
        string? old = Environment.GetEnvironmentVariable("PODNET_BIN");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "podnet-fake"), "");
            Environment.SetEnvironmentVariable("PODNET_BIN", dir);
            Assert.Equal(Path.Combine(dir, "podnet-fake"), Binaries.Path("podnet-fake"));
            var e = Assert.Throws<FileNotFoundException>(() => Binaries.Path("podnet-missing"));
            Assert.Contains("podnet-missing", e.Message);
            Assert.Contains("$PODNET_BIN", e.Message);
            Assert.Contains("scripts/build.sh", e.Message);

            Environment.SetEnvironmentVariable("PODNET_BIN", null);
            Assert.Equal(Path.Combine(Binaries.RepoRoot(), "out", "bin"), Binaries.Directory());
            Assert.True(File.Exists(Path.Combine(Binaries.RepoRoot(), "Podnet.slnx")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PODNET_BIN", old);
            Directory.Delete(dir, recursive: true);
        }
    }
}
