using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Forward;

/// <summary>
/// Positive and negative cache of upstream answers. Entries keep the upstream message and where its
/// TTLs are, so a hit is a copy with the ID, the question's case and the aged TTLs patched in.
/// Negative answers live for min(SOA TTL, SOA MINIMUM) (RFC 2308 5); answers without a usable TTL
/// (SERVFAIL, negative without SOA) are not cached.
/// </summary>
public sealed class ResponseCache(int capacity = 10000, uint maxTtl = 3600, uint maxNegativeTtl = 1800)
{
    private sealed record Entry(byte[] Message, int[] TtlOffsets, long StoredTicks, long ExpiresTicks);

    private readonly ConcurrentDictionary<byte[], Entry> _map = new(NameKeyComparer.Instance);

    public int Count => _map.Count;

    /// <summary>Key: lowercase name, type, class, and the client's EDNS/DO bits (they shape the answer).</summary>
    public static int Key(ReadOnlySpan<byte> lowerName, in DnsQuery q, Span<byte> key)
    {
        lowerName.CopyTo(key);
        int n = lowerName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(key[n..], q.QType);
        BinaryPrimitives.WriteUInt16BigEndian(key[(n + 2)..], q.QClass);
        key[n + 4] = (byte)((q.HasEdns ? 1 : 0) | (q.DnssecOk ? 2 : 0));
        return n + 5;
    }

    public const int MaxKey = DnsLimits.MaxName + 5;

    /// <summary>Writes a cached answer for <paramref name="query"/> into <paramref name="resp"/>; false on miss or expiry.</summary>
    public bool TryAnswer(ReadOnlySpan<byte> key, ReadOnlySpan<byte> query, in DnsQuery q, Span<byte> resp, out int length)
    {
        length = 0;
        var lookup = _map.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(key, out var e)) return false;
        long now = Stopwatch.GetTimestamp();
        if (now >= e.ExpiresTicks) { lookup.TryRemove(key, out _); return false; }
        e.Message.CopyTo(resp);
        DnsHeader.SetId(resp, q.Id);
        query[DnsLimits.HeaderSize..q.QuestionEnd].CopyTo(resp[DnsLimits.HeaderSize..]);
        uint age = (uint)((now - e.StoredTicks) / Stopwatch.Frequency);
        foreach (int off in e.TtlOffsets)
        {
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(resp[off..]);
            BinaryPrimitives.WriteUInt32BigEndian(resp[off..], ttl > age ? ttl - age : 0);
        }
        length = e.Message.Length;
        return true;
    }

    /// <summary>Stores an upstream answer if it is cacheable; returns the TTL used, or 0 when not stored.</summary>
    public uint Store(byte[] key, byte[] message)
    {
        DnsMessage m;
        try { m = DnsMessage.Parse(message); } catch (FormatException) { return 0; }
        if (m.Truncated) return 0;
        uint ttl;
        if (m.Rcode == RCode.NoError && m.Answers.Count > 0)
            ttl = Math.Min(m.Answers.Concat(m.Authority).Min(r => r.Ttl), maxTtl);
        else if (m.Rcode is RCode.NoError or RCode.NxDomain && m.Authority.FirstOrDefault(r => r.Type == RecordType.SOA) is { } soa)
            ttl = Math.Min(Math.Min(soa.Ttl, uint.Parse(soa.Data.Split(' ')[^1])), maxNegativeTtl);
        else return 0;
        if (ttl == 0) return 0;
        if (_map.Count >= capacity) Sweep();
        if (_map.Count >= capacity) return 0;
        long now = Stopwatch.GetTimestamp();
        _map[key] = new Entry(message, [.. m.TtlOffsets], now, now + ttl * Stopwatch.Frequency);
        return ttl;
    }

    private void Sweep()
    {
        long now = Stopwatch.GetTimestamp();
        foreach (var (k, e) in _map) if (now >= e.ExpiresTicks) _map.TryRemove(k, out _);
    }
}
