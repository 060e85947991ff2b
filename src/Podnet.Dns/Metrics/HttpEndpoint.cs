using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podnet.Dns.Metrics;

/// <summary>
/// A minimal HTTP/1.1 responder for /health, /ready and /metrics: one request per connection,
/// bounded request size and time. Small enough that pulling in Kestrel would cost more than it gives.
/// </summary>
public sealed class HttpEndpoint : IDisposable
{
    private readonly Socket _listen;
    private readonly Func<string, (int Status, string ContentType, string Body)> _handler;
    private readonly CancellationTokenSource _cts = new();

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listen.LocalEndPoint!;

    public HttpEndpoint(IPEndPoint endpoint, Func<string, (int, string, string)> handler)
    {
        _handler = handler;
        _listen = Podnet.Dns.Server.ListenSocket.Open(endpoint, 64, "for HTTP on");
        _ = Podnet.Dns.Server.ListenSocket.AcceptAsync(_listen, null, Serve, _cts.Token);
    }

    /// <summary>":9153", "127.0.0.1:8080" or "[::1]:8080"; a missing host means all IPv4 addresses.</summary>
    public static IPEndPoint ParseAddress(string text)
    {
        var t = text.Trim();
        if (t.StartsWith(':') && int.TryParse(t[1..], out int port) && port is >= 0 and <= 65535) return new IPEndPoint(IPAddress.Any, port);
        if (IPEndPoint.TryParse(t, out var ep) && t.Contains(':')) return ep;
        throw new FormatException($"invalid HTTP listen address \"{text}\": expected [host]:port");
    }

    private async Task Serve(Socket c)
    {
        using (c)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var buf = new byte[8192];
                int got = 0;
                while (got < buf.Length)
                {
                    int n = await c.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, timeout.Token);
                    if (n == 0) return;
                    got += n;
                    if (buf.AsSpan(0, got).IndexOf("\r\n\r\n"u8) >= 0) break;
                }
                var line = Encoding.ASCII.GetString(buf, 0, got).Split("\r\n")[0].Split(' ');
                var (status, type, body) = line.Length >= 2 && line[0] is "GET" or "HEAD"
                    ? _handler(line[1].Split('?')[0])
                    : (405, "text/plain", "method not allowed\n");
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await c.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, timeout.Token);
                if (line[0] != "HEAD") await c.SendAsync(bytes, SocketFlags.None, timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listen.Dispose();
    }
}
