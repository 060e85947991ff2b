using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Wire;
using Podnet.Linux.Interop;

namespace Podnet.Dns.Server;

/// <summary>
/// UDP side: several sockets bound to the same address with SO_REUSEPORT (the kernel spreads
/// clients over them), each served by a dedicated thread with batched blocking receive/send
/// (recvmmsg/sendmmsg) and its own buffers: in-zone answers cost no allocation and few system calls.
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

    private const int Batch = 32;
    private const int SoRcvTimeo = 20;

    /// <summary>
    /// One worker: recvmmsg takes a batch of queries, each is answered into its reply slot, and
    /// sendmmsg sends the batch's replies, so a busy server makes two system calls per batch.
    /// </summary>
    private void Loop(Socket socket)
    {
        using var batch = new UdpBatch(Batch, DnsQuery.MaxQuerySize + 1, 4096);
        // Wake up every 200 ms to notice shutdown; a timeval of two longs (x86-64/arm64).
        var tv = new byte[16];
        BitConverter.TryWriteBytes(tv.AsSpan(8), 200_000L);
        socket.SetRawSocketOption(SolSocket, SoRcvTimeo, tv);
        var handle = socket.SafeHandle;
        var metrics = _processor.Metrics;
        while (!_stopping)
        {
            int n;
            try { n = batch.Receive(handle); }
            catch (ObjectDisposedException) { return; }
            if (n <= 0) continue; // timeout (EAGAIN), EINTR, or a transient error such as ECONNREFUSED
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                metrics.Request(true);
                var query = batch.Packet(i);
                var reply = batch.Reply(i);
                try
                {
                    var outcome = _processor.Process(query, reply, true, out int len, out var q);
                    if (outcome == Outcome.Forward)
                    {
                        if (_forward is null) continue;
                        if (!_forward.TryCache(query, q, reply, q.MaxUdpResponse, out len))
                        {
                            StartForward(socket, query.ToArray(), q, batch.Address(i), t0);
                            continue;
                        }
                    }
                    else if (outcome == Outcome.Drop) continue;
                    batch.Queue(i, len);
                    metrics.Response(DnsHeader.Rcode(DnsHeader.Flags(reply)), Stopwatch.GetTimestamp() - t0);
                }
                catch (Exception)
                {
                    metrics.Dropped(); // a bug must cost one answer, never the worker
                }
            }
            try { batch.Flush(handle); }
            catch (ObjectDisposedException) { return; }
        }
    }

    private void StartForward(Socket socket, byte[] query, DnsQuery q, ReadOnlySpan<byte> from, long t0)
    {
        if (!_forward!.TryEnter()) { _processor.Metrics.Dropped(); return; }
        var to = new SocketAddress(socket.AddressFamily, from.Length);
        from.CopyTo(to.Buffer.Span);
        _ = Task.Run(async () =>
        {
            var resp = await _forward.ResolveAsync(query, q, q.MaxUdpResponse, _ct);
            try
            {
                // Synchronous on purpose: an async operation would switch the socket to non-blocking mode,
                // which the batched receive loop relies on not happening.
                socket.SendTo(resp, SocketFlags.None, to);
                _processor.Metrics.Response(DnsHeader.Rcode(DnsHeader.Flags(resp)), Stopwatch.GetTimestamp() - t0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(2)); // each wakes within its 200 ms receive timeout
        foreach (var s in _sockets) s.Dispose();
    }
}
