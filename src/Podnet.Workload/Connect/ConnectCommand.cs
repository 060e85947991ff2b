using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Podnet.Workload.Connect;

/// <summary><c>connect HOST:PORT [HOST:PORT…] [--protocol tcp|udp] [--timeout 1s]</c>: exit 0 when
/// every target is reachable, 1 when one is not, 2 for bad usage. One line per target: "reachable"
/// on stdout, or the reason on stderr (REFUSED, TIMEOUT, UNREACHABLE, DNS…). Several targets are
/// probed at once, so a whole row of a reachability matrix costs one process and one timeout.
/// UDP is "reachable" only when the server echoes our random token back.</summary>
public static class ConnectCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var targets = new List<string>();
        string protocol = "tcp";
        TimeSpan timeout = TimeSpan.FromSeconds(1);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? inline = null;
            if (a.StartsWith("--") && a.IndexOf('=') is int eq and > 0) { inline = a[(eq + 1)..]; a = a[..eq]; }
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"{a}: needs a value"));
            switch (a)
            {
                case "--protocol": protocol = Value().ToLowerInvariant(); break;
                case "--timeout": timeout = Usage.ParseDuration("--timeout", Value()); break;
                default:
                    if (a.StartsWith('-')) throw new UsageException($"connect: unknown option \"{a}\"");
                    targets.Add(a);
                    break;
            }
        }
        if (targets.Count == 0) throw new UsageException("connect: missing HOST:PORT");
        if (protocol is not ("tcp" or "udp")) throw new UsageException($"--protocol: \"{protocol}\" is not tcp or udp");
        var parsed = targets.Select(t => (Target: t, HostPort: SplitHostPort(t))).ToList();
        var results = await Task.WhenAll(parsed.Select(t => ProbeAsync(t.Target, t.HostPort.Host, t.HostPort.Port, protocol, timeout)));
        return results.All(ok => ok) ? 0 : 1;
    }

    private static async Task<bool> ProbeAsync(string target, string host, int port, string protocol, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var sw = Stopwatch.StartNew();
        try
        {
            IPAddress ip = IPAddress.TryParse(host, out var literal) ? literal : await Resolve(host, cts.Token);
            var ep = new IPEndPoint(ip, port);
            if (protocol == "tcp") await ConnectTcp(ep, cts.Token);
            else await ProbeUdp(ep, cts.Token);
            Console.Out.WriteLine($"{protocol} {target}: reachable in {sw.Elapsed.TotalMilliseconds:0.0} ms");
            return true;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"TIMEOUT: {protocol} {target}: no answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e)
        {
            string what = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "REFUSED",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "UNREACHABLE",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "DNS",
                _ => "ERROR",
            };
            Console.Error.WriteLine($"{what}: {protocol} {target}: {e.Message}");
        }
        return false;
    }

    internal static (string Host, int Port) SplitHostPort(string s)
    {
        int colon = s.LastIndexOf(':');
        if (colon <= 0 || colon == s.Length - 1) throw new UsageException($"connect: \"{s}\" is not HOST:PORT");
        string host = s[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) throw new UsageException($"connect: \"{s}\": write IPv6 hosts as [ADDR]:PORT");
        if (!int.TryParse(s[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new UsageException($"connect: \"{s}\": port must be 1-65535");
        return (host, port);
    }

    private static async Task<IPAddress> Resolve(string host, CancellationToken ct)
    {
        var all = await Dns.GetHostAddressesAsync(host, ct);
        return all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    private static async Task ConnectTcp(IPEndPoint ep, CancellationToken ct)
    {
        using var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(ep, ct);
    }

    /// <summary>Sends a random token every 200 ms until the same bytes come back or time runs out
    /// (the first datagram can be lost while ARP resolves). An ICMP port unreachable surfaces as
    /// ConnectionRefused on the connected socket.</summary>
    private static async Task ProbeUdp(IPEndPoint ep, CancellationToken ct)
    {
        using var s = new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await s.ConnectAsync(ep, ct);
        var token = System.Text.Encoding.ASCII.GetBytes("podnet-probe-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        var buf = new byte[2048];
        while (true)
        {
            await s.SendAsync(token, SocketFlags.None, ct);
            using var round = CancellationTokenSource.CreateLinkedTokenSource(ct);
            round.CancelAfter(200);
            try
            {
                while (true)
                {
                    int n = await s.ReceiveAsync(buf, SocketFlags.None, round.Token);
                    if (buf.AsSpan(0, n).SequenceEqual(token)) return;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        }
    }
}
