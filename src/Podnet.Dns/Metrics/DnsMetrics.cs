using System.Diagnostics;
using System.Globalization;
using System.Text;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Metrics;

/// <summary>
/// Counters in the spirit of CoreDNS's (podnet_dns_*), kept as plain longs updated with
/// Interlocked so the query path never allocates; rendered in Prometheus text format on demand.
/// </summary>
public sealed class DnsMetrics
{
    public static readonly double[] Buckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5];
    private static readonly long[] BucketTicks = Buckets.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();
    private static readonly ushort[] TrackedTypes = [RecordType.A, RecordType.AAAA, RecordType.SRV, RecordType.PTR, RecordType.TXT, RecordType.CNAME, RecordType.SOA, RecordType.NS, RecordType.ANY];

    private long _udp, _tcp, _dropped, _cacheHits, _cacheMisses, _forwarded, _forwardErrors, _durationSumTicks, _zoneBuilds;
    private readonly long[] _rcodes = new long[24];
    private readonly long[] _types = new long[TrackedTypes.Length + 1];
    private readonly long[] _buckets = new long[Buckets.Length + 1];
    private long _zoneNames, _cacheEntries, _synced;
    private double _lastBuildSeconds;

    public void Request(bool udp) => Interlocked.Increment(ref udp ? ref _udp : ref _tcp);
    public void Dropped() => Interlocked.Increment(ref _dropped);
    public void CacheHit() => Interlocked.Increment(ref _cacheHits);
    public void CacheMiss() => Interlocked.Increment(ref _cacheMisses);
    public void Forwarded() => Interlocked.Increment(ref _forwarded);
    public void ForwardError() => Interlocked.Increment(ref _forwardErrors);
    public void CacheEntries(long n) => Volatile.Write(ref _cacheEntries, n);

    public void QueryType(ushort t)
    {
        int i = Array.IndexOf(TrackedTypes, t);
        Interlocked.Increment(ref _types[i < 0 ? TrackedTypes.Length : i]);
    }

    public void Response(int rcode, long elapsedTicks)
    {
        Interlocked.Increment(ref _rcodes[Math.Clamp(rcode, 0, _rcodes.Length - 1)]);
        int b = 0;
        while (b < BucketTicks.Length && elapsedTicks > BucketTicks[b]) b++;
        Interlocked.Increment(ref _buckets[b]);
        Interlocked.Add(ref _durationSumTicks, elapsedTicks);
    }

    public void ZoneBuilt(int names, double seconds, bool synced)
    {
        Interlocked.Increment(ref _zoneBuilds);
        Volatile.Write(ref _zoneNames, names);
        Volatile.Write(ref _synced, synced ? 1 : 0);
        _lastBuildSeconds = seconds;
    }

    public long RcodeCount(int rcode) => Volatile.Read(ref _rcodes[rcode]);
    public long CacheHits => Volatile.Read(ref _cacheHits);
    public long Requests => Volatile.Read(ref _udp) + Volatile.Read(ref _tcp);

    public string Render()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        void Head(string name, string type, string help) => sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        // A metric with one unlabelled sample.
        void Sample(string name, string type, string help, IFormattable value)
        {
            Head(name, type, help);
            sb.Append(name).Append(' ').Append(value.ToString(null, ci)).Append('\n');
        }

        Head("podnet_dns_requests_total", "counter", "DNS requests received, by transport.");
        sb.Append("podnet_dns_requests_total{proto=\"udp\"} ").Append(Volatile.Read(ref _udp)).Append('\n');
        sb.Append("podnet_dns_requests_total{proto=\"tcp\"} ").Append(Volatile.Read(ref _tcp)).Append('\n');
        Head("podnet_dns_requests_by_type_total", "counter", "DNS requests by query type.");
        for (int i = 0; i <= TrackedTypes.Length; i++)
            sb.Append("podnet_dns_requests_by_type_total{type=\"").Append(i < TrackedTypes.Length ? RecordType.Name(TrackedTypes[i]) : "other").Append("\"} ").Append(Volatile.Read(ref _types[i])).Append('\n');
        Head("podnet_dns_responses_total", "counter", "DNS responses sent, by response code.");
        for (int i = 0; i < _rcodes.Length; i++)
        {
            long v = Volatile.Read(ref _rcodes[i]);
            if (v > 0 || i is RCode.NoError or RCode.NxDomain or RCode.ServFail or RCode.FormErr)
                sb.Append("podnet_dns_responses_total{rcode=\"").Append(RCode.Name(i)).Append("\"} ").Append(v).Append('\n');
        }
        Sample("podnet_dns_dropped_total", "counter", "Packets dropped without an answer (too short, responses, overload).", Volatile.Read(ref _dropped));
        Head("podnet_dns_request_duration_seconds", "histogram", "Time from receiving a query to sending its answer.");
        long cum = 0;
        for (int i = 0; i <= Buckets.Length; i++)
        {
            cum += Volatile.Read(ref _buckets[i]);
            sb.Append("podnet_dns_request_duration_seconds_bucket{le=\"").Append(i < Buckets.Length ? Buckets[i].ToString(ci) : "+Inf").Append("\"} ").Append(cum).Append('\n');
        }
        sb.Append("podnet_dns_request_duration_seconds_sum ").Append((Volatile.Read(ref _durationSumTicks) / (double)Stopwatch.Frequency).ToString(ci)).Append('\n');
        sb.Append("podnet_dns_request_duration_seconds_count ").Append(cum).Append('\n');
        Sample("podnet_dns_cache_hits_total", "counter", "Forwarded names answered from the cache.", Volatile.Read(ref _cacheHits));
        Sample("podnet_dns_cache_misses_total", "counter", "Forwarded names not in the cache.", Volatile.Read(ref _cacheMisses));
        Sample("podnet_dns_cache_entries", "gauge", "Entries in the forwarding cache.", Volatile.Read(ref _cacheEntries));
        Sample("podnet_dns_forward_requests_total", "counter", "Queries sent to upstream servers.", Volatile.Read(ref _forwarded));
        Sample("podnet_dns_forward_errors_total", "counter", "Forwarded queries that got no usable answer.", Volatile.Read(ref _forwardErrors));
        Sample("podnet_dns_zone_names", "gauge", "Names in the cluster zone index.", Volatile.Read(ref _zoneNames));
        Sample("podnet_dns_zone_builds_total", "counter", "Zone index builds.", Volatile.Read(ref _zoneBuilds));
        Sample("podnet_dns_zone_build_seconds", "gauge", "Duration of the last zone index build.", _lastBuildSeconds);
        Sample("podnet_dns_synced", "gauge", "1 once the first sync from the cluster API completed.", Volatile.Read(ref _synced));
        return sb.ToString();
    }
}
