using System.Diagnostics;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Proxy;

/// <summary>
/// client (10.0.0.1) — node (10.0.0.2 | 10.0.1.1, runs the proxy rules) — backends (10.0.1.2 and
/// 10.0.1.3). Backends answer TCP 8080 with "source local" and echo lines on TCP 9090 and UDP 5353.
/// </summary>
internal sealed class ProxyLab : IDisposable
{
    public TestNetns Client { get; }
    public TestNetns Node { get; }
    public TestNetns Backend { get; }
    private readonly List<Process> _procs = [];

    private const string Servers = """
import socket, threading
def oneshot():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', 8080)); s.listen(128)
    while True:
        c, a = s.accept(); c.sendall((a[0] + ' ' + c.getsockname()[0] + '\n').encode()); c.close()
def lines(c, a):
    f = c.makefile('rwb')
    for l in f:
        f.write(l.strip() + b' ' + a[0].encode() + b' ' + c.getsockname()[0].encode() + b'\n'); f.flush()
def echo():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', 9090)); s.listen(16)
    while True:
        c, a = s.accept(); threading.Thread(target=lines, args=(c, a), daemon=True).start()
def udp(addr):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((addr, 5353))
    while True:
        d, a = u.recvfrom(100); u.sendto(d + b' ' + addr.encode(), a)
for t in (oneshot, echo): threading.Thread(target=t, daemon=True).start()
for ip in ('10.0.1.2', '10.0.1.3'): threading.Thread(target=udp, args=(ip,), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
""";

    public ProxyLab()
    {
        Client = new TestNetns("proxy");
        Node = new TestNetns("proxy");
        Backend = new TestNetns("proxy");
        try
        {
            string a = "pc" + Client.Name[^6..], b = "pb" + Backend.Name[^6..];
            Sh.Run("ip", "link", "add", a, "netns", Client.Name, "type", "veth", "peer", "name", a + "n", "netns", Node.Name).Check();
            Sh.Run("ip", "link", "add", b, "netns", Backend.Name, "type", "veth", "peer", "name", b + "n", "netns", Node.Name).Check();
            Client.Ip("addr", "add", "10.0.0.1/24", "dev", a).Check();
            Client.Ip("link", "set", a, "up").Check();
            Client.Ip("route", "add", "default", "via", "10.0.0.2").Check();
            Node.Ip("addr", "add", "10.0.0.2/24", "dev", a + "n").Check();
            Node.Ip("addr", "add", "10.0.1.1/24", "dev", b + "n").Check();
            Node.Ip("link", "set", a + "n", "up").Check();
            Node.Ip("link", "set", b + "n", "up").Check();
            Node.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1").Check();
            Backend.Ip("addr", "add", "10.0.1.2/24", "dev", b).Check();
            Backend.Ip("addr", "add", "10.0.1.3/24", "dev", b).Check();
            Backend.Ip("link", "set", b, "up").Check();
            Backend.Ip("route", "add", "default", "via", "10.0.1.1").Check();
            var p = Start(Backend, "python3", "-c", Servers);
            var ready = p.StandardOutput.ReadLineAsync();
            if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
                throw new InvalidOperationException("backend servers did not start");
        }
        catch { Dispose(); throw; }
    }

    public Process Start(TestNetns ns, params string[] cmd)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var x in (string[])["netns", "exec", ns.Name, .. cmd]) psi.ArgumentList.Add(x);
        var p = Process.Start(psi)!;
        _procs.Add(p);
        return p;
    }

    /// <summary>One TCP connect from the client: "source local" as the backend saw them, "refused", or "timeout".</summary>
    public string Connect(string addr, int port, double timeout = 5)
    {
        var r = Client.Exec("python3", "-c", $"""
import socket
try:
    s = socket.create_connection(('{addr}', {port}), timeout={timeout}); print(s.recv(100).decode().strip())
except ConnectionRefusedError: print('refused')
except socket.timeout: print('timeout')
except OSError as e: print('error ' + str(e.errno))
""");
        return r.Stdout.Trim();
    }

    /// <summary>Many connects in one process (fast): one answer per line.</summary>
    public string[] ConnectMany(string addr, int port, int count)
    {
        var r = Client.Exec("python3", "-c", $"""
import socket
for i in range({count}):
    try:
        s = socket.create_connection(('{addr}', {port}), timeout=5); print(s.recv(100).decode().strip()); s.close()
    except ConnectionRefusedError: print('refused')
    except socket.timeout: print('timeout')
    except OSError as e: print('error ' + str(e.errno))
""");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public void Dispose()
    {
        foreach (var p in _procs)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch { }
            p.Dispose();
        }
        Client.Dispose(); Node.Dispose(); Backend.Dispose();
    }
}
