using System.Net;
using System.Net.Sockets;
using System.Text;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>Real packets between test namespaces: ping (optionally DF at a size), and TCP/UDP echo
/// through sockets created inside the namespaces. Each echo returns the source address the server saw.</summary>
public static class Probe
{
    private static int _port = 20000 + Random.Shared.Next(20000);

    public static bool Ping(TestNetns from, IPAddress to, int? payload = null, int count = 1)
    {
        var argv = new List<string> { "ping", "-n", "-q", "-c", count.ToString(), "-W", "1", "-i", "0.2" };
        if (payload is { } p) argv.AddRange(["-M", "do", "-s", p.ToString()]);
        argv.Add(to.ToString());
        return Sh.InNetns(from.Name, argv, TimeSpan.FromSeconds(5 + count)).Ok;
    }

    /// <summary>Sends <paramref name="bytes"/> of random data over one TCP connection and returns whether
    /// the server received exactly that (SHA-256 of both sides).</summary>
    public static async Task<bool> TcpBulkAsync(TestNetns from, TestNetns server, IPAddress to, int bytes, TimeSpan timeout)
    {
        int port = Interlocked.Increment(ref _port);
        using var listener = server.Ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            s.Listen(1);
            return s;
        });
        using var client = from.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(timeout);
        var data = new byte[bytes];
        new Random(bytes).NextBytes(data);
        try
        {
            var accept = listener.AcceptAsync(cts.Token).AsTask();
            await client.ConnectAsync(new IPEndPoint(to, port), cts.Token);
            using var conn = await accept;
            var receive = Task.Run(async () =>
            {
                using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
                var buf = new byte[1 << 16];
                long total = 0;
                int n;
                while ((n = await conn.ReceiveAsync(buf, cts.Token)) > 0) { sha.AppendData(buf, 0, n); total += n; }
                return (total, sha.GetHashAndReset());
            });
            for (int off = 0; off < bytes; off += 1 << 20)
                await client.SendAsync(data.AsMemory(off, Math.Min(1 << 20, bytes - off)), cts.Token);
            client.Shutdown(SocketShutdown.Send);
            var (got, hash) = await receive;
            return got == bytes && hash.AsSpan().SequenceEqual(System.Security.Cryptography.SHA256.HashData(data));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    /// <summary>TCP connect + echo; returns the client address the server saw, or null on failure.</summary>
    public static async Task<IPAddress?> TcpAsync(TestNetns from, TestNetns server, IPAddress to, TimeSpan? timeout = null)
    {
        int port = Interlocked.Increment(ref _port);
        using var listener = server.Ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            s.Listen(4);
            return s;
        });
        using var client = from.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        try
        {
            var accept = listener.AcceptAsync(cts.Token).AsTask();
            await client.ConnectAsync(new IPEndPoint(to, port), cts.Token);
            using var conn = await accept;
            await client.SendAsync(Encoding.ASCII.GetBytes("ping"), cts.Token);
            var buf = new byte[4];
            int n = await conn.ReceiveAsync(buf, cts.Token);
            if (n != 4) return null;
            await conn.SendAsync(buf, cts.Token);
            n = await client.ReceiveAsync(buf, cts.Token);
            return n == 4 && Encoding.ASCII.GetString(buf) == "ping" ? ((IPEndPoint)conn.RemoteEndPoint!).Address : null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return null; }
    }

    /// <summary>UDP datagram + echo; returns the source address the server saw, or null.</summary>
    public static async Task<IPAddress?> UdpAsync(TestNetns from, TestNetns server, IPAddress to, TimeSpan? timeout = null)
    {
        int port = Interlocked.Increment(ref _port);
        using var srv = server.Ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            return s;
        });
        using var client = from.Ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Any, 0));
            return s;
        });
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        try
        {
            var buf = new byte[16];
            var recv = srv.ReceiveFromAsync(buf, new IPEndPoint(IPAddress.Any, 0), cts.Token).AsTask();
            // A few sends: the first may be spent on ARP resolution.
            for (int i = 0; i < 5 && !recv.IsCompleted; i++)
            {
                await client.SendToAsync(Encoding.ASCII.GetBytes("ping"), new IPEndPoint(to, port), cts.Token);
                await Task.WhenAny(recv, Task.Delay(200, cts.Token));
            }
            var r = await recv;
            await srv.SendToAsync(buf.AsMemory(0, r.ReceivedBytes), r.RemoteEndPoint, cts.Token);
            var back = await client.ReceiveAsync(buf, cts.Token);
            return back == 4 ? ((IPEndPoint)r.RemoteEndPoint).Address : null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return null; }
    }

    /// <summary>Retries <paramref name="check"/> until true or <paramref name="within"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> check, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await check()) return true;
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100);
        }
    }
}
