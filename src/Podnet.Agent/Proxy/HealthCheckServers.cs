using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podnet.Agent.Proxy;

/// <summary>
/// The health-check node ports of services with externalTrafficPolicy Local: an HTTP server per port
/// that answers 200 while this node has a local endpoint and 503 otherwise, so that an external load
/// balancer only sends to nodes that will not drop the traffic (as kube-proxy's healthcheck server).
/// </summary>
public sealed class HealthCheckServers(IPAddress bind, Action<string> log) : IDisposable
{
    private readonly Dictionary<ushort, (TcpListener Listener, CancellationTokenSource Stop)> _servers = [];
    private readonly Dictionary<ushort, (string Service, int Local)> _state = [];
    private readonly Lock _lock = new();

    /// <summary>Sets what each port reports; opens and closes listeners to match.</summary>
    public void Update(IReadOnlyDictionary<ushort, (string Service, int LocalEndpoints)> wanted)
    {
        lock (_lock)
        {
            foreach (var port in _servers.Keys.Except(wanted.Keys).ToList())
            {
                _servers[port].Stop.Cancel();
                _servers[port].Listener.Stop();
                _servers.Remove(port);
                _state.Remove(port);
            }
            foreach (var (port, s) in wanted)
            {
                _state[port] = s;
                if (_servers.ContainsKey(port)) continue;
                var l = new TcpListener(bind, port);
                try { l.Start(); }
                catch (SocketException e) { log($"proxy: health check port {port} for {s.Service}: {e.Message}"); continue; }
                var cts = new CancellationTokenSource();
                _servers[port] = (l, cts);
                _ = Task.Run(() => ServeAsync(port, l, cts.Token));
            }
        }
    }

    private async Task ServeAsync(ushort port, TcpListener l, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient c;
            try { c = await l.AcceptTcpClientAsync(ct); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (c)
                {
                    try
                    {
                        var s = c.GetStream();
                        var buf = new byte[1024];
                        using var to = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        to.CancelAfter(TimeSpan.FromSeconds(2));
                        int read = await s.ReadAsync(buf, to.Token); // any request gets the answer: reading just drains it
                        if (read == 0) return;
                        (string svc, int local) st;
                        lock (_lock) st = _state.TryGetValue(port, out var x) ? x : ("", 0);
                        var body = $"{{\"service\":{{\"namespace\":\"{st.svc.Split('/')[0]}\",\"name\":\"{st.svc.Split('/').ElementAtOrDefault(1)}\"}},\"localEndpoints\":{st.local}}}";
                        var head = st.local > 0 ? "200 OK" : "503 Service Unavailable";
                        var resp = $"HTTP/1.1 {head}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
                        await s.WriteAsync(Encoding.UTF8.GetBytes(resp), to.Token);
                    }
                    catch (Exception) { }
                }
            });
        }
    }

    public void Dispose() => Update(new Dictionary<ushort, (string, int)>());
}
