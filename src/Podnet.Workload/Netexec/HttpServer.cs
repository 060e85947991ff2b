using System.Net.Sockets;
using System.Text;

namespace Podnet.Workload.Netexec;

/// <summary>A minimal HTTP/1.1 server (hand-written for NativeAOT): GET-style requests,
/// keep-alive, request bodies read and ignored. Endpoints as agnhost netexec.</summary>
internal sealed class HttpServer(string hostname)
{
    private const int MaxHead = 16 * 1024;

    public async Task ServeAsync(Socket listener, CancellationToken ct)
    {
        using (listener)
        {
            while (!ct.IsCancellationRequested)
            {
                Socket c = await listener.AcceptAsync(ct);
                _ = HandleAsync(c, ct);
            }
        }
    }

    private async Task HandleAsync(Socket c, CancellationToken ct)
    {
        using (c)
        {
            var buf = new byte[MaxHead];
            int have = 0;
            try
            {
                while (true)
                {
                    int end;
                    while ((end = buf.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        if (have == buf.Length) { await SendAsync(c, 431, "request head too large\n", false, ct); return; }
                        int n = await c.ReceiveAsync(buf.AsMemory(have), SocketFlags.None, ct);
                        if (n == 0) return;
                        have += n;
                    }
                    var head = Encoding.ASCII.GetString(buf, 0, end);
                    int consumed = end + 4;
                    var req = HttpRequestHead.Parse(head);
                    if (req is null) { await SendAsync(c, 400, "bad request\n", false, ct); return; }
                    // Skip a request body, if any (bounded).
                    long body = req.ContentLength;
                    if (body > 1 << 20) { await SendAsync(c, 413, "body too large\n", false, ct); return; }
                    int inBuf = (int)Math.Min(body, have - consumed);
                    consumed += inBuf;
                    body -= inBuf;
                    while (body > 0)
                    {
                        int n = await c.ReceiveAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, body)), SocketFlags.None, ct);
                        if (n == 0) return;
                        body -= n;
                    }
                    Buffer.BlockCopy(buf, consumed, buf, 0, have - consumed);
                    have -= consumed;

                    var (status, text) = Route(req.Target, c);
                    await SendAsync(c, status, text, req.KeepAlive, ct);
                    if (!req.KeepAlive) return;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    internal (int Status, string Body) Route(string target, Socket? c)
    {
        int q = target.IndexOf('?');
        string path = q < 0 ? target : target[..q];
        string query = q < 0 ? "" : target[(q + 1)..];
        return path switch
        {
            "/hostname" => (200, hostname),
            "/healthz" => (200, "ok"),
            "/clientip" => (200, NetexecCommand.Describe(c?.RemoteEndPoint)),
            "/echo" => (200, QueryValue(query, "msg") ?? ""),
            "/" => (200, $"NOW: {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss.fffffff} +0000 UTC"),
            _ => (404, $"404 page not found: {path}\n"),
        };
    }

    internal static string? QueryValue(string query, string key)
    {
        foreach (var pair in query.Split('&'))
        {
            int eq = pair.IndexOf('=');
            string k = eq < 0 ? pair : pair[..eq];
            if (k == key) return Uri.UnescapeDataString((eq < 0 ? "" : pair[(eq + 1)..]).Replace('+', ' '));
        }
        return null;
    }

    private static async Task SendAsync(Socket c, int status, string body, bool keepAlive, CancellationToken ct)
    {
        var b = Encoding.UTF8.GetBytes(body);
        string reason = status switch { 200 => "OK", 400 => "Bad Request", 404 => "Not Found", 413 => "Payload Too Large", _ => "Error" };
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {b.Length}\r\n" +
                   $"Connection: {(keepAlive ? "keep-alive" : "close")}\r\n\r\n";
        var all = new byte[Encoding.ASCII.GetByteCount(head) + b.Length];
        int n = Encoding.ASCII.GetBytes(head, all);
        b.CopyTo(all, n);
        await c.SendAsync(all, SocketFlags.None, ct);
    }
}

/// <summary>The parts of a request head the server needs.</summary>
internal sealed record HttpRequestHead(string Method, string Target, bool KeepAlive, long ContentLength)
{
    public static HttpRequestHead? Parse(string head)
    {
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        if (first.Length != 3 || !first[2].StartsWith("HTTP/1.")) return null;
        bool keepAlive = first[2] == "HTTP/1.1";
        long length = 0;
        foreach (var line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) return null;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                keepAlive = value.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) ||
                            (keepAlive && !value.Equals("close", StringComparison.OrdinalIgnoreCase));
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                     (!long.TryParse(value, out length) || length < 0)) return null;
        }
        return new HttpRequestHead(first[0], first[1], keepAlive, length);
    }
}
