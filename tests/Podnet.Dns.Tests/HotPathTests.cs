using Podnet.Dns.Client;
using Podnet.Dns.Metrics;
using Podnet.Dns.Server;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

public sealed class HotPathTests
{
    [Fact]
    public void AnsweringFromTheZoneDoesNotAllocate()
    {
        var holder = new ZoneHolder(ZoneBuilder.Build(new ZoneOptions(), SampleCluster.State()));
        var p = new QueryProcessor(holder, new DnsMetrics(), canForward: false);
        byte[][] queries =
        [
            DnsClient.BuildQuery("coffee.default.svc.cluster.local", RecordType.A, 1),
            DnsClient.BuildQuery("_pg._tcp.db.default.svc.cluster.local", RecordType.SRV, 2, edns: true),
            DnsClient.BuildQuery("nope.default.svc.cluster.local", RecordType.A, 3),
            DnsClient.BuildQuery("coffee.default.svc.cluster.local", RecordType.AAAA, 4),
            DnsClient.BuildQuery("20.0.96.10.in-addr.arpa", RecordType.PTR, 5),
        ];
        var resp = new byte[DnsLimits.MaxMessage];
        for (int i = 0; i < 2000; i++) foreach (var q in queries) p.Process(q, resp, true, out _, out _); // warm up (tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        int answered = 0;
        for (int i = 0; i < 20000; i++)
            foreach (var q in queries)
                if (p.Process(q, resp, true, out int len, out _) == Outcome.Respond && len > 12) answered++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(20000 * queries.Length, answered);
        Assert.Equal(0, allocated);
    }
}
