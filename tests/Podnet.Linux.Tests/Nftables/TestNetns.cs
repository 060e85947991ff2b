using System.Diagnostics;

namespace Podnet.Linux.Tests.Nftables;

/// <summary>Runs a command and returns its exit code and output (bounded by a timeout).</summary>
internal static class Sh
{
    public static (int Code, string Out, string Err) Run(string file, params string[] args) => RunWithTimeout(TimeSpan.FromSeconds(20), file, args);

    public static (int Code, string Out, string Err) RunWithTimeout(TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Ok(string file, params string[] args)
    {
        var (code, o, e) = Run(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {e}{o}");
        return o;
    }
}

/// <summary>A throwaway network namespace pnt-nft-&lt;random&gt;, removed (with its processes) on dispose.</summary>
internal sealed class TestNetns : IDisposable
{
    private readonly List<Process> _procs = [];
    public string Name { get; }

    public TestNetns(string role = "x")
    {
        Name = $"pnt-nft-{role}-{Guid.NewGuid().ToString("N")[..6]}";
        Sh.Ok("ip", "netns", "add", Name);
        Exec("ip", "link", "set", "lo", "up");
    }

    public string Exec(params string[] cmd) => Sh.Ok("ip", ["netns", "exec", Name, .. cmd]);
    public (int Code, string Out, string Err) TryExec(params string[] cmd) => Sh.Run("ip", ["netns", "exec", Name, .. cmd]);

    /// <summary>Starts a long-running process in the namespace; killed on dispose.</summary>
    public Process Start(params string[] cmd)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", Name, .. cmd]) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _procs.Add(p);
        return p;
    }

    public void Dispose()
    {
        foreach (var p in _procs)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch { }
            p.Dispose();
        }
        Sh.Run("ip", "netns", "del", Name);
    }
}

/// <summary>
/// client (10.0.0.1) — router (10.0.0.2 | 10.0.1.1) — server (10.0.1.2), with a TCP server on
/// server:8080 that answers every connection with the source address it saw.
/// </summary>
internal sealed class ThreeHop : IDisposable
{
    public TestNetns Client { get; } = new("c");
    public TestNetns Router { get; } = new("r");
    public TestNetns Server { get; } = new("s");

    public const string PeerEcho = """
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 8080)); s.listen(64)
print('ready', flush=True)
while True:
    c, a = s.accept(); c.sendall((a[0] + ' ' + c.getsockname()[0] + '\n').encode()); c.close()
""";

    public ThreeHop()
    {
        try
        {
            string a = $"v{Guid.NewGuid().ToString("N")[..6]}", b = $"w{Guid.NewGuid().ToString("N")[..6]}";
            Sh.Ok("ip", "link", "add", a + "c", "netns", Client.Name, "type", "veth", "peer", "name", a + "r", "netns", Router.Name);
            Sh.Ok("ip", "link", "add", b + "r", "netns", Router.Name, "type", "veth", "peer", "name", b + "s", "netns", Server.Name);
            Client.Exec("ip", "addr", "add", "10.0.0.1/24", "dev", a + "c");
            Client.Exec("ip", "link", "set", a + "c", "up");
            Client.Exec("ip", "route", "add", "default", "via", "10.0.0.2");
            Router.Exec("ip", "addr", "add", "10.0.0.2/24", "dev", a + "r");
            Router.Exec("ip", "addr", "add", "10.0.1.1/24", "dev", b + "r");
            Router.Exec("ip", "link", "set", a + "r", "up");
            Router.Exec("ip", "link", "set", b + "r", "up");
            Router.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            Server.Exec("ip", "addr", "add", "10.0.1.2/24", "dev", b + "s");
            Server.Exec("ip", "link", "set", b + "s", "up");
            Server.Exec("ip", "route", "add", "default", "via", "10.0.1.1");
            var p = Server.Start("python3", "-c", PeerEcho);
            var ready = p.StandardOutput.ReadLineAsync();
            if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
                throw new InvalidOperationException("echo server did not start: " + p.StandardError.ReadToEnd());
        }
        catch { Dispose(); throw; }
    }

    /// <summary>Connects from the client to addr:port; returns "source local" as the server saw them, or null if the connect failed.</summary>
    public string? Connect(string addr, int port)
    {
        var (code, o, _) = Client.TryExec("python3", "-c",
            $"import socket\ns=socket.create_connection(('{addr}',{port}),timeout=3)\nprint(s.recv(100).decode().strip())");
        return code == 0 ? o.Trim() : null;
    }

    public void Dispose() { Client.Dispose(); Router.Dispose(); Server.Dispose(); }
}
