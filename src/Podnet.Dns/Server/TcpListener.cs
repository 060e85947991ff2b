using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Client;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Server;

/// <summary>
/// TCP side (RFC 7766): length-prefixed messages, several per connection, an idle timeout and a
/// cap on connections so slow or silent clients cannot pile up.
/// </summary>
internal sealed class DnsTcpListener : IDisposable
{
    private readonly Socket _listen;
    private readonly QueryProcessor _processor;
    private readonly ForwardHandler? _forward;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _connections;
    private readonly TimeSpan _idle;
    private readonly Task _accept;

    public DnsTcpListener(IPEndPoint endpoint, QueryProcessor processor, ForwardHandler? forward, CancellationToken ct, int maxConnections = 256, TimeSpan? idle = null)
    {
        _processor = processor;
        _forward = forward;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _connections = new SemaphoreSlim(maxConnections, maxConnections);
        _idle = idle ?? TimeSpan.FromSeconds(10);
        _listen = Podnet.Dns.Server.ListenSocket.Open(endpoint, 512, "on tcp");
        _accept = ListenSocket.AcceptAsync(_listen, Admit, Serve, _cts.Token);
    }

    /// <summary>A connection over the limit is closed at once and counted as dropped.</summary>
    private bool Admit()
    {
        if (_connections.Wait(0)) return true;
        _processor.Metrics.Dropped();
        return false;
    }

    private async Task Serve(Socket c)
    {
        var len = new byte[2];
        var resp = new byte[2 + DnsLimits.MaxMessage];
        try
        {
            using (c)
            while (!_cts.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
                idle.CancelAfter(_idle);
                try { await DnsClient.ReadExactlyAsync(c, len, idle.Token); }
                catch (IOException) { return; } // clean close between messages
                int n = BinaryPrimitives.ReadUInt16BigEndian(len);
                if (n == 0) return;
                var query = new byte[n];
                await DnsClient.ReadExactlyAsync(c, query, idle.Token);
                long t0 = Stopwatch.GetTimestamp();
                _processor.Metrics.Request(false);
                var outcome = _processor.Process(query, resp.AsSpan(2), false, out int rlen, out var q);
                byte[] framed = resp;
                if (outcome == Outcome.Drop) return; // nothing sensible to answer: close the connection
                if (outcome == Outcome.Forward)
                {
                    if (_forward is null) return;
                    if (!_forward.TryCache(query, q, resp.AsSpan(2), DnsLimits.MaxMessage, out rlen))
                    {
                        if (!_forward.TryEnter()) return;
                        var answer = await _forward.ResolveAsync(query, q, DnsLimits.MaxMessage, _cts.Token);
                        answer.CopyTo(resp, 2);
                        rlen = answer.Length;
                    }
                }
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)rlen);
                await c.SendAsync(framed.AsMemory(0, 2 + rlen), SocketFlags.None, _cts.Token);
                _processor.Metrics.Response(DnsHeader.Rcode(DnsHeader.Flags(resp.AsSpan(2))), Stopwatch.GetTimestamp() - t0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException) { }
        finally { _connections.Release(); }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listen.Dispose();
        try { _accept.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _cts.Dispose();
    }
}
