using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Server;

/// <summary>
/// UDP side: several sockets bound to the same address with SO_REUSEPORT (the kernel spreads
/// clients over them), each served by a dedicated thread with blocking receive/send and its own
/// buffers, so an in-zone answer costs two system calls and no allocation.
/// </summary>
internal sealed class UdpListener : IDisposable
{
    private const int SolSocket = 1, SoReusePort = 15;
    private readonly List<Socket> _sockets = [];
    private readonly List<Thread> _threads = [];
    private readonly QueryProcessor _processor;
    private readonly ForwardHandler? _forward;
    private readonly CancellationToken _ct;
    private volatile bool _stopping;

    public IPEndPoint LocalEndPoint { get; }

    public UdpListener(IPEndPoint endpoint, int workers, QueryProcessor processor, ForwardHandler? forward, CancellationToken ct)
    {
        _processor = processor;
        _forward = forward;
        _ct = ct;
        try
        {
            for (int i = 0; i < Math.Max(1, workers); i++)
            {
                var s = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                _sockets.Add(s);
                s.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                s.ReceiveBufferSize = 4 << 20;
                s.SendBufferSize = 4 << 20;
                // Later sockets join the first one's port (which may have been chosen by the kernel).
                s.Bind(i == 0 ? endpoint : _sockets[0].LocalEndPoint!);
            }
        }
        catch (SocketException e)
        {
            Dispose();
            throw new InvalidOperationException($"could not listen on udp {endpoint}: {e.Message}", e);
        }
        LocalEndPoint = (IPEndPoint)_sockets[0].LocalEndPoint!;
        foreach (var s in _sockets)
        {
            var t = new Thread(() => Loop(s)) { IsBackground = true, Name = "dns-udp" };
            _threads.Add(t);
            t.Start();
        }
    }

    private void Loop(Socket socket)
    {
        var query = new byte[DnsLimits.MaxMessage];
        var resp = new byte[DnsLimits.MaxMessage];
        var addr = new SocketAddress(socket.AddressFamily);
        var metrics = _processor.Metrics;
        while (!_stopping)
        {
            int n;
            try { n = socket.ReceiveFrom(query, SocketFlags.None, addr); }
            catch (SocketException) when (!_stopping) { continue; } // e.g. ICMP-induced errors: keep serving
            catch (Exception) { return; }                            // socket closed: shutting down
            long t0 = Stopwatch.GetTimestamp();
            metrics.Request(true);
            try
            {
                var outcome = _processor.Process(query.AsSpan(0, n), resp, true, out int len, out var q);
                if (outcome == Outcome.Forward)
                {
                    if (_forward is null) continue;
                    if (!_forward.TryCache(query.AsSpan(0, n), q, resp, q.MaxUdpResponse, out len))
                    {
                        StartForward(socket, query.AsSpan(0, n).ToArray(), q, addr, t0);
                        continue;
                    }
                }
                else if (outcome == Outcome.Drop) continue;
                socket.SendTo(resp.AsSpan(0, len), SocketFlags.None, addr);
                metrics.Response(DnsHeader.Rcode(DnsHeader.Flags(resp)), Stopwatch.GetTimestamp() - t0);
            }
            catch (SocketException) { }   // the client went away; nothing to do
            catch (ObjectDisposedException) { return; }
        }
    }

    private void StartForward(Socket socket, byte[] query, Wire.DnsQuery q, SocketAddress from, long t0)
    {
        if (!_forward!.TryEnter()) { _processor.Metrics.Dropped(); return; }
        var to = new SocketAddress(from.Family, from.Size);
        from.Buffer.CopyTo(to.Buffer);
        _ = Task.Run(async () =>
        {
            var resp = await _forward.ResolveAsync(query, q, q.MaxUdpResponse, _ct);
            try
            {
                await socket.SendToAsync(resp, SocketFlags.None, to);
                _processor.Metrics.Response(DnsHeader.Rcode(DnsHeader.Flags(resp)), Stopwatch.GetTimestamp() - t0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var s in _sockets) s.Dispose();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(2));
    }
}
