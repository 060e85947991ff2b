using System.Net;
using System.Net.Sockets;
using Podnet.Linux;

namespace Podnet.Workload.Netexec;

/// <summary><c>netexec</c>: serves HTTP, TCP echo and UDP echo on the given ports until killed.</summary>
public static class NetexecCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var http = new List<int>();
        var tcp = new List<int>();
        var udp = new List<int>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string flag = a, value;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--") && eq > 0) { flag = a[..eq]; value = a[(eq + 1)..]; }
            else if (i + 1 < args.Length) value = args[++i];
            else throw new UsageException($"{a}: needs a value");
            var into = flag switch
            {
                "--http-port" => http,
                "--tcp-port" => tcp,
                "--udp-port" => udp,
                _ => throw new UsageException($"netexec: unknown option \"{flag}\""),
            };
            into.AddRange(Usage.ParsePorts(flag, value));
        }
        if (http.Count + tcp.Count + udp.Count == 0) http.Add(8080);

        using var stop = new StopSignals();

        var tasks = new List<Task>();
        var hostname = Usage.Hostname();
        try
        {
            foreach (int p in http) tasks.Add(new HttpServer(hostname).ServeAsync(Listen(p), stop.Token));
            foreach (int p in tcp) tasks.Add(TcpEcho.ServeAsync(Listen(p), stop.Token));
            foreach (int p in udp) tasks.Add(new UdpEcho(hostname).ServeAsync(Bind(p), stop.Token));
        }
        catch (SocketException e)
        {
            // The servers already started end with the process.
            Console.Error.WriteLine($"podnet-agnhost netexec: could not listen: {e.Message}");
            return 1;
        }
        Console.Out.WriteLine($"netexec: http {string.Join(',', http)} tcp {string.Join(',', tcp)} udp {string.Join(',', udp)} as {hostname}");
        Console.Out.Flush();
        try { await Task.WhenAll(tasks); }
        catch (OperationCanceledException) { }
        return 0;
    }

    /// <summary>A dual-stack socket when IPv6 works in this namespace, else IPv4 only.</summary>
    private static Socket NewSocket(SocketType type, ProtocolType proto)
    {
        if (Socket.OSSupportsIPv6)
        {
            try
            {
                var s6 = new Socket(AddressFamily.InterNetworkV6, type, proto) { DualMode = true };
                return s6;
            }
            catch (SocketException) { }
        }
        return new Socket(AddressFamily.InterNetwork, type, proto);
    }

    private static Socket Listen(int port)
    {
        var s = NewSocket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.Bind(new IPEndPoint(s.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            s.Listen(512);
            return s;
        }
        catch (SocketException e)
        {
            s.Dispose();
            throw new SocketException((int)e.SocketErrorCode, $"tcp port {port}: {e.Message}");
        }
    }

    private static Socket Bind(int port)
    {
        var s = NewSocket(SocketType.Dgram, ProtocolType.Udp);
        try
        {
            s.Bind(new IPEndPoint(s.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            return s;
        }
        catch (SocketException e)
        {
            s.Dispose();
            throw new SocketException((int)e.SocketErrorCode, $"udp port {port}: {e.Message}");
        }
    }

    /// <summary>"10.244.1.5:40312" — IPv4-mapped addresses shown as IPv4, like agnhost.</summary>
    internal static string Describe(EndPoint? ep)
    {
        if (ep is not IPEndPoint ip) return "unknown";
        var a = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        return a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]:{ip.Port}" : $"{a}:{ip.Port}";
    }
}
