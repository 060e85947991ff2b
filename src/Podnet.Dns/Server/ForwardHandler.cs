using Podnet.Dns.Forward;
using Podnet.Dns.Metrics;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Server;

/// <summary>The forwarding side of the server: cache hits synchronously, misses through the forwarder.</summary>
public sealed class ForwardHandler(Forwarder forwarder, DnsMetrics metrics, int maxInFlight = 1024)
{
    private readonly SemaphoreSlim _slots = new(maxInFlight, maxInFlight);

    public bool TryCache(ReadOnlySpan<byte> query, in DnsQuery q, Span<byte> resp, int max, out int length)
    {
        Span<byte> key = stackalloc byte[ResponseCache.MaxKey];
        int k = CacheKey(query, q, key);
        if (!forwarder.Cache.TryAnswer(key[..k], query, q, resp, out length)) { metrics.CacheMiss(); return false; }
        metrics.CacheHit();
        if (length > max) length = Truncate(query, resp, q);
        return true;
    }

    /// <summary>False when too many forwards are already in flight: the query is dropped, as under any overload.</summary>
    public bool TryEnter() => _slots.Wait(0);

    /// <summary>Resolves upstream and returns the final answer for the client (SERVFAIL when every upstream failed).</summary>
    public async Task<byte[]> ResolveAsync(byte[] query, DnsQuery q, int max, CancellationToken ct)
    {
        try
        {
            var key = new byte[ResponseCache.MaxKey];
            int k = CacheKey(query, q, key);
            byte[]? resp = null;
            try { resp = await forwarder.ResolveAsync(query, q, key[..k], ct); }
            catch (OperationCanceledException) { }
            var buf = new byte[Math.Max(resp?.Length ?? 0, q.QuestionEnd + 11)];
            if (resp is null) return buf[..QueryProcessor.Error(query, buf, q, RCode.ServFail)];
            if (resp.Length > max) return buf[..Truncate(query, buf, q)];
            return resp;
        }
        finally { _slots.Release(); }
    }

    private static int CacheKey(ReadOnlySpan<byte> query, in DnsQuery q, Span<byte> key)
    {
        Span<byte> name = stackalloc byte[DnsLimits.MaxName];
        int pos = DnsLimits.HeaderSize;
        DnsName.TryRead(query, ref pos, name, out int n); // already validated by the parser
        return ResponseCache.Key(name[..n], q, key);
    }

    private static int Truncate(ReadOnlySpan<byte> query, Span<byte> resp, in DnsQuery q)
    {
        int len = QueryProcessor.Error(query, resp, q, RCode.NoError);
        DnsHeader.SetFlags(resp, (ushort)(DnsHeader.Flags(resp) | DnsHeader.FlagTc));
        return len;
    }
}
