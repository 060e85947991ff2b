using System.Buffers.Binary;
using System.Net;
using Podnet.Dns.Client;
using Podnet.Dns.Metrics;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Forward;

/// <summary>
/// Resolves names outside the cluster zone through upstream servers: UDP with a fresh random ID
/// and source port per query, TCP when the UDP answer is truncated, the next upstream on timeout.
/// </summary>
public sealed class Forwarder(IReadOnlyList<IPEndPoint> upstreams, ResponseCache cache, DnsMetrics metrics, TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(2);
    public ResponseCache Cache => cache;
    public bool HasUpstreams => upstreams.Count > 0;

    /// <summary>
    /// Returns the upstream answer with the client's ID and question case, or null when every
    /// upstream failed (the caller answers SERVFAIL).
    /// </summary>
    public async Task<byte[]?> ResolveAsync(byte[] query, DnsQuery q, byte[] cacheKey, CancellationToken ct)
    {
        var outgoing = (byte[])query.Clone();
        foreach (var up in upstreams)
        {
            ushort id = (ushort)Random.Shared.Next(0, 65536);
            BinaryPrimitives.WriteUInt16BigEndian(outgoing, id);
            try
            {
                metrics.Forwarded();
                var resp = await DnsClient.ExchangeUdpAsync(up, outgoing, _timeout, ct);
                if (!Matches(resp, outgoing, q)) { metrics.ForwardError(); continue; }
                if ((DnsHeader.Flags(resp) & DnsHeader.FlagTc) != 0)
                {
                    resp = await DnsClient.ExchangeTcpAsync(up, outgoing, _timeout, ct);
                    if (!Matches(resp, outgoing, q)) { metrics.ForwardError(); continue; }
                }
                int rcode = DnsHeader.Rcode(DnsHeader.Flags(resp));
                if (rcode is RCode.ServFail or RCode.Refused or RCode.NotImp) { metrics.ForwardError(); continue; }
                cache.Store(cacheKey, resp);
                metrics.CacheEntries(cache.Count);
                DnsHeader.SetId(resp, q.Id);
                query.AsSpan(DnsLimits.HeaderSize, q.QuestionEnd - DnsLimits.HeaderSize).CopyTo(resp.AsSpan(DnsLimits.HeaderSize));
                return resp;
            }
            catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException or IOException)
            {
                metrics.ForwardError();
            }
        }
        return null;
    }

    /// <summary>The answer must carry our ID and echo our question (case-insensitively), else it is spoofed or stray.</summary>
    private static bool Matches(byte[] resp, byte[] query, in DnsQuery q)
    {
        if (resp.Length < q.QuestionEnd || DnsHeader.Id(resp) != DnsHeader.Id(query)) return false;
        if ((DnsHeader.Flags(resp) & DnsHeader.FlagQr) == 0 || DnsHeader.QdCount(resp) != 1) return false;
        var a = resp.AsSpan(DnsLimits.HeaderSize, q.QuestionEnd - DnsLimits.HeaderSize);
        var b = query.AsSpan(DnsLimits.HeaderSize, q.QuestionEnd - DnsLimits.HeaderSize);
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i] && (a[i] | 0x20) != (b[i] | 0x20)) return false;
        return true;
    }
}
