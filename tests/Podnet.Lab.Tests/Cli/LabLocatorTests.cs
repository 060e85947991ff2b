using System.Net.Sockets;
using Podnet.Cli.Args;
using Podnet.Cli.Connection;

namespace Podnet.Lab.Tests.Cli;

public sealed class LabLocatorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pnt-cli-loc-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<Socket> _listeners = [];

    public LabLocatorTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        foreach (var s in _listeners) s.Dispose();
        Directory.Delete(_root, true);
    }

    /// <summary>A lab directory whose api.sock listens (running) or is a leftover file (stale).</summary>
    private void Lab(string name, bool running)
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "api.sock");
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        if (running) { s.Listen(); _listeners.Add(s); }
        else s.Dispose();
    }

    private static Func<string, string?> Env(string? lab = null, string? socket = null) =>
        n => n == "PODNET_LAB" ? lab : n == "PODNET_SOCKET" ? socket : null;

    [Fact]
    public void Precedence_flags_then_environment_then_the_only_running_lab_then_default()
    {
        Assert.Equal(("a", "/x.sock"), Pick(LabLocator.Locate("a", "/x.sock", Env("b", "/y.sock"), _root)));
        Assert.Equal(("a", $"{_root}/a/api.sock"), Pick(LabLocator.Locate("a", null, Env("b", "/y.sock"), _root)));
        Assert.Equal(("", "/y.sock"), Pick(LabLocator.Locate(null, null, Env("b", "/y.sock"), _root)));
        Assert.Equal(("b", $"{_root}/b/api.sock"), Pick(LabLocator.Locate(null, null, Env("b"), _root)));
        Assert.Equal(("podnet", $"{_root}/podnet/api.sock"), Pick(LabLocator.Locate(null, null, Env(), _root)));

        Lab("stale", running: false);
        Lab("demo", running: true);
        var t = LabLocator.Locate(null, null, Env(), _root);
        Assert.Equal(("demo", $"{_root}/demo/api.sock"), Pick(t));
        Assert.Equal("the only running lab", t.Reason);

        Lab("other", running: true);
        var e = Assert.Throws<UsageException>(() => LabLocator.Locate(null, null, Env(), _root));
        Assert.Contains("several labs are running (demo, other)", e.Message);
    }

    private static (string, string) Pick(ApiTarget t) => (t.Lab, t.Socket);

    [Theory]
    [InlineData("../x")]
    [InlineData("Lab")]
    [InlineData("-a")]
    [InlineData("")]
    [InlineData("a/b")]
    public void Bad_lab_names_are_rejected(string name) =>
        Assert.Throws<UsageException>(() => LabLocator.CheckName(name, "--lab"));
}
