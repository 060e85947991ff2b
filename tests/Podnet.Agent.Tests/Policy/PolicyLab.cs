using System.Net;
using System.Net.Sockets;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Policy;

/// <summary>
/// One node namespace with a bridge cni0 (10.244.1.1/24) and pod namespaces on it
/// (10.244.1.10, .11, …), plus a "remote" namespace routed through the node (10.244.2.10, as a
/// pod on another node or an outside client). Every pod and the remote serve TCP 80, 81, 8080,
/// 9001-9003 and UDP 80, 81 (answering with the client address they saw).
/// </summary>
internal sealed class PolicyLab : IDisposable
{
    public static readonly ushort[] TcpPorts = [80, 81, 8080, 9001, 9002, 9003];
    /// <summary>TCP echo (line by line) for long-lived connections.</summary>
    public const ushort EchoPort = 7000;
    public static readonly ushort[] UdpPorts = [80, 81];

    public TestNetns Node { get; }
    public List<TestNetns> Pods { get; } = [];
    public TestNetns Remote { get; }
    public IPAddress RemoteIp { get; } = IPAddress.Parse("10.244.2.10");
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();

    public static IPAddress PodIp(int i) => IPAddress.Parse($"10.244.1.{10 + i}");

    public PolicyLab(int pods)
    {
        Node = new TestNetns("netpol");
        try
        {
            Node.Ip("link", "add", "cni0", "type", "bridge").Check();
            Node.Ip("addr", "add", "10.244.1.1/24", "dev", "cni0").Check();
            Node.Ip("link", "set", "cni0", "up").Check();
            Node.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1").Check();
            // Same-bridge traffic must pass the ip forward hook (per-namespace sysctl, set as the agent does).
            Node.Exec("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1").Check();
            for (int i = 0; i < pods; i++)
            {
                var p = new TestNetns("netpol");
                Pods.Add(p);
                string v = "np" + p.Name[^6..];
                Sh.Run("ip", "link", "add", "eth0", "netns", p.Name, "type", "veth", "peer", "name", v, "netns", Node.Name).Check();
                Node.Ip("link", "set", v, "master", "cni0", "up").Check();
                // As the lab's CNI config does (hairpinMode): a pod reaching itself through a Service
                // is bridged back out of its own port after br_netfilter's DNAT.
                Sh.Run("bridge", "-n", Node.Name, "link", "set", "dev", v, "hairpin", "on").Check();
                p.Ip("addr", "add", $"{PodIp(i)}/24", "dev", "eth0").Check();
                p.Ip("link", "set", "eth0", "up").Check();
                p.Ip("link", "set", "lo", "up").Check();
                p.Ip("route", "add", "default", "via", "10.244.1.1").Check();
                Serve(p, PodIp(i));
            }
            Remote = new TestNetns("netpol");
            string r = "nr" + Remote.Name[^6..];
            Sh.Run("ip", "link", "add", "eth0", "netns", Remote.Name, "type", "veth", "peer", "name", r, "netns", Node.Name).Check();
            Node.Ip("addr", "add", "10.244.2.1/24", "dev", r).Check();
            Node.Ip("link", "set", r, "up").Check();
            Remote.Ip("addr", "add", $"{RemoteIp}/24", "dev", "eth0").Check();
            Remote.Ip("link", "set", "eth0", "up").Check();
            Remote.Ip("route", "add", "default", "via", "10.244.2.1").Check();
            Serve(Remote, RemoteIp);
        }
        catch { Dispose(); throw; }
    }

    private void Serve(TestNetns ns, IPAddress ip)
    {
        var echo = ns.Ns.Run(() =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Any, EchoPort));
            l.Listen(16);
            return l;
        });
        _sockets.Add(echo);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var c = await echo.AcceptAsync(_stop.Token);
                    _ = Task.Run(async () =>
                    {
                        var buf = new byte[256];
                        try { int n; while ((n = await c.ReceiveAsync(buf, _stop.Token)) > 0) await c.SendAsync(buf.AsMemory(0, n)); }
                        catch (Exception) { }
                        finally { c.Dispose(); }
                    });
                }
                catch (Exception) { return; }
            }
        });
        foreach (var port in TcpPorts)
        {
            var s = ns.Ns.Run(() =>
            {
                var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                l.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                l.Bind(new IPEndPoint(IPAddress.Any, port));
                l.Listen(64);
                return l;
            });
            _sockets.Add(s);
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var c = await s.AcceptAsync(_stop.Token);
                        var who = ((IPEndPoint)c.RemoteEndPoint!).Address.ToString() + "\n";
                        _ = Task.Run(async () =>
                        {
                            try { await c.SendAsync(System.Text.Encoding.ASCII.GetBytes(who)); await Task.Delay(2000); }
                            catch (Exception) { }
                            finally { c.Dispose(); }
                        });
                    }
                    catch (Exception) { return; }
                }
            });
        }
        foreach (var port in UdpPorts)
        {
            var u = ns.Ns.Run(() =>
            {
                var x = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                x.Bind(new IPEndPoint(IPAddress.Any, port));
                return x;
            });
            _sockets.Add(u);
            _ = Task.Run(async () =>
            {
                var buf = new byte[64];
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var r = await u.ReceiveFromAsync(buf, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                        var who = System.Text.Encoding.ASCII.GetBytes(((IPEndPoint)r.RemoteEndPoint).Address.ToString());
                        await u.SendToAsync(who, r.RemoteEndPoint);
                    }
                    catch (Exception) { return; }
                }
            });
        }
    }

    /// <summary>A TCP connect from a namespace; true when the server answered.</summary>
    public static async Task<bool> TcpAsync(TestNetns from, IPAddress to, ushort port, int timeoutMs = 400)
    {
        using var s = from.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await s.ConnectAsync(new IPEndPoint(to, port), cts.Token);
            var buf = new byte[32];
            return await s.ReceiveAsync(buf, cts.Token) > 0;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    /// <summary>A TCP handshake only (what policy decides: the SYN passes or is dropped); the time it took, or null.</summary>
    public static async Task<TimeSpan?> HandshakeAsync(TestNetns from, IPAddress to, ushort port, int timeoutMs)
    {
        using var s = from.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(timeoutMs);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try { await s.ConnectAsync(new IPEndPoint(to, port), cts.Token); return sw.Elapsed; }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return null; }
    }

    /// <summary>A UDP datagram and its echo; true when the echo came back.</summary>
    public static async Task<bool> UdpAsync(TestNetns from, IPAddress to, ushort port, int timeoutMs = 400)
    {
        using var s = from.Ns.Run(() =>
        {
            var x = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            x.Bind(new IPEndPoint(IPAddress.Any, 0));
            return x;
        });
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            var buf = new byte[64];
            var recv = s.ReceiveAsync(buf, cts.Token).AsTask();
            for (int i = 0; i < 3 && !recv.IsCompleted; i++)
            {
                await s.SendToAsync("x"u8.ToArray(), new IPEndPoint(to, port), cts.Token);
                await Task.WhenAny(recv, Task.Delay(timeoutMs / 3));
            }
            return await recv > 0;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    /// <summary>A connection to the echo port; null when it cannot be opened.</summary>
    public static async Task<Socket?> OpenEchoAsync(TestNetns from, IPAddress to)
    {
        var s = from.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(1000);
        try { await s.ConnectAsync(new IPEndPoint(to, EchoPort), cts.Token); return s; }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { s.Dispose(); return null; }
    }

    /// <summary>One round trip on an open echo connection.</summary>
    public static async Task<bool> EchoAsync(Socket s, string text)
    {
        using var cts = new CancellationTokenSource(1000);
        try
        {
            await s.SendAsync(System.Text.Encoding.ASCII.GetBytes(text), cts.Token);
            var buf = new byte[256];
            int n = await s.ReceiveAsync(buf, cts.Token);
            return System.Text.Encoding.ASCII.GetString(buf, 0, n) == text;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    public static bool Ping(TestNetns from, IPAddress to) =>
        Sh.InNetns(from.Name, ["ping", "-n", "-q", "-c", "1", "-W", "1", to.ToString()], TimeSpan.FromSeconds(3)).Ok;

    /// <summary>TCP reachability from each source namespace to each destination on a port, as a compact string ("1" reachable, "." not).</summary>
    public static async Task<string> MatrixAsync(IReadOnlyList<TestNetns> from, IReadOnlyList<IPAddress> to, ushort port)
    {
        var tasks = from.Select(f => Task.WhenAll(to.Select(t => TcpAsync(f, t, port)))).ToArray();
        var rows = await Task.WhenAll(tasks);
        return string.Join(" ", rows.Select(r => string.Concat(r.Select(b => b ? '1' : '.'))));
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var s in _sockets) s.Dispose();
        foreach (var p in Pods) p.Dispose();
        Remote?.Dispose();
        Node.Dispose();
    }
}
