using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>Every record kind of the Kubernetes DNS spec 1.1.0, positive and negative, over the wire with our client.</summary>
public sealed class ZoneAnswerTests : IAsyncLifetime
{
    private TestServer _s = null!;

    public Task InitializeAsync()
    {
        _s = TestServer.Start(SampleCluster.State(), new ZoneOptions(Ttl: 7));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    private static string[] Data(IEnumerable<DnsRecord> rs, ushort type) => rs.Where(r => r.Type == type).Select(r => r.Data).Order().ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClusterIpServiceHasARecord(bool tcp)
    {
        var m = await _s.Query("coffee.default.svc.cluster.local", RecordType.A, tcp);
        Assert.Equal(RCode.NoError, m.Rcode);
        Assert.True(m.Authoritative);
        var a = Assert.Single(m.Answers);
        Assert.Equal(("coffee.default.svc.cluster.local.", RecordType.A, 7u, "10.96.0.20"), (a.Name, a.Type, a.Ttl, a.Data));
        Assert.Equal("10.96.0.30", Assert.Single((await _s.Query("coffee.prod.svc.cluster.local", RecordType.A)).Answers).Data);
    }

    [Fact]
    public async Task DualStackServiceHasAandAAAA()
    {
        Assert.Equal(["10.96.0.21"], Data((await _s.Query("dual.default.svc.cluster.local", RecordType.A)).Answers, RecordType.A));
        Assert.Equal(["fd00:96::21"], Data((await _s.Query("dual.default.svc.cluster.local", RecordType.AAAA)).Answers, RecordType.AAAA));
    }

    [Fact]
    public async Task ServiceWithoutIpv6IsNoDataForAAAA()
    {
        var m = await _s.Query("coffee.default.svc.cluster.local", RecordType.AAAA);
        Assert.Equal(RCode.NoError, m.Rcode);
        Assert.Empty(m.Answers);
        var soa = Assert.Single(m.Authority);
        Assert.Equal(RecordType.SOA, soa.Type);
        Assert.Equal("cluster.local.", soa.Name);
        Assert.StartsWith("ns.dns.cluster.local. hostmaster.cluster.local. ", soa.Data);
        Assert.EndsWith(" 7", soa.Data); // minimum = TTL: negative answers cached as long as positive ones
    }

    [Theory]
    [InlineData("nope.default.svc.cluster.local")]
    [InlineData("coffee.nowhere.svc.cluster.local")]
    [InlineData("a.b.c.d.cluster.local")]
    [InlineData("_http._udp.coffee.default.svc.cluster.local")]
    [InlineData("_nope._tcp.coffee.default.svc.cluster.local")]
    [InlineData("db-3.db.default.svc.cluster.local")] // not ready
    public async Task NonExistentNamesAreNxDomainWithSoa(string name)
    {
        var m = await _s.Query(name, RecordType.A);
        Assert.Equal(RCode.NxDomain, m.Rcode);
        Assert.True(m.Authoritative);
        Assert.Empty(m.Answers);
        Assert.Equal(RecordType.SOA, Assert.Single(m.Authority).Type);
    }

    [Theory]
    [InlineData("svc.cluster.local")]
    [InlineData("default.svc.cluster.local")]
    [InlineData("_tcp.coffee.default.svc.cluster.local")]
    [InlineData("dns-version.cluster.local")]
    public async Task ExistingNamesWithoutTheTypeAreNoData(string name)
    {
        var m = await _s.Query(name, RecordType.A);
        Assert.Equal(RCode.NoError, m.Rcode);
        Assert.Empty(m.Answers);
        Assert.Equal(RecordType.SOA, Assert.Single(m.Authority).Type);
    }

    [Fact]
    public async Task NamedPortsHaveSrvWithTheServiceAddressInAdditional()
    {
        var m = await _s.Query("_http._tcp.coffee.default.svc.cluster.local", RecordType.SRV);
        var srv = Assert.Single(m.Answers);
        Assert.Equal("0 100 80 coffee.default.svc.cluster.local.", srv.Data);
        var add = Assert.Single(m.Additional);
        Assert.Equal(("coffee.default.svc.cluster.local.", "10.96.0.20"), (add.Name, add.Data));
        var udp = await _s.Query("_dns._udp.kube-dns.kube-system.svc.cluster.local", RecordType.SRV);
        Assert.Equal("0 100 53 kube-dns.kube-system.svc.cluster.local.", Assert.Single(udp.Answers).Data);
    }

    [Fact]
    public async Task HeadlessServiceHasOneRecordPerReadyEndpoint()
    {
        var m = await _s.Query("db.default.svc.cluster.local", RecordType.A);
        Assert.Equal(["10.244.1.10", "10.244.2.11", "10.244.2.12"], Data(m.Answers, RecordType.A));
        Assert.Equal("10.244.1.10", Assert.Single((await _s.Query("db-0.db.default.svc.cluster.local", RecordType.A)).Answers).Data);
        // An endpoint without a hostname gets a system-assigned one: its address with dashes, as CoreDNS names it.
        Assert.Equal("10.244.2.12", Assert.Single((await _s.Query("10-244-2-12.db.default.svc.cluster.local", RecordType.A)).Answers).Data);
    }

    [Fact]
    public async Task HeadlessSrvTargetsEachEndpointWithAddressesInAdditional()
    {
        var m = await _s.Query("_pg._tcp.db.default.svc.cluster.local", RecordType.SRV);
        Assert.Equal(
        [
            "0 33 5432 10-244-2-12.db.default.svc.cluster.local.",
            "0 33 5432 db-0.db.default.svc.cluster.local.",
            "0 33 5432 db-1.db.default.svc.cluster.local.",
        ], Data(m.Answers, RecordType.SRV));
        Assert.Equal(
        [
            "10-244-2-12.db.default.svc.cluster.local. 10.244.2.12",
            "db-0.db.default.svc.cluster.local. 10.244.1.10",
            "db-1.db.default.svc.cluster.local. 10.244.2.11",
        ], m.Additional.Select(r => $"{r.Name} {r.Data}").Order().ToArray());
    }

    [Theory]
    [InlineData("20.0.96.10.in-addr.arpa", "coffee.default.svc.cluster.local.")]
    [InlineData("10.0.96.10.in-addr.arpa", "kube-dns.kube-system.svc.cluster.local.")]
    [InlineData("11.2.244.10.in-addr.arpa", "db-1.db.default.svc.cluster.local.")]
    [InlineData("12.2.244.10.in-addr.arpa", "10-244-2-12.db.default.svc.cluster.local.")]
    [InlineData("1.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa", "dual.default.svc.cluster.local.")]
    public async Task PtrForServiceAndEndpointAddresses(string name, string target)
    {
        var m = await _s.Query(name, RecordType.PTR);
        Assert.Equal(RCode.NoError, m.Rcode);
        Assert.Equal(target, Assert.Single(m.Answers).Data);
    }

    [Fact]
    public async Task UnknownReverseNameIsNxDomainWithoutUpstream()
    {
        Assert.Equal(RCode.NxDomain, (await _s.Query("99.99.96.10.in-addr.arpa", RecordType.PTR)).Rcode);
    }

    [Fact]
    public async Task ExternalNameIsCname()
    {
        foreach (var t in new[] { RecordType.A, RecordType.CNAME, RecordType.AAAA })
        {
            var m = await _s.Query("ext.default.svc.cluster.local", t);
            var c = Assert.Single(m.Answers);
            Assert.Equal((RecordType.CNAME, "www.example.com."), (c.Type, c.Data));
        }
    }

    [Fact]
    public async Task DnsVersionTxt()
    {
        var m = await _s.Query("dns-version.cluster.local", RecordType.TXT);
        Assert.Equal("\"1.1.0\"", Assert.Single(m.Answers).Data);
    }

    [Fact]
    public async Task ApexHasSoaAndNs()
    {
        var soa = await _s.Query("cluster.local", RecordType.SOA);
        Assert.Equal(RecordType.SOA, Assert.Single(soa.Answers).Type);
        var ns = await _s.Query("cluster.local", RecordType.NS);
        Assert.Equal("ns.dns.cluster.local.", Assert.Single(ns.Answers).Data);
        Assert.Equal("10.96.0.10", Assert.Single(ns.Additional).Data);
    }

    [Fact]
    public async Task NamesAreCaseInsensitiveAndTheQuestionIsEchoedAsAsked()
    {
        var m = await _s.Query("CoFFee.DEFAULT.Svc.Cluster.Local", RecordType.A);
        Assert.Equal("CoFFee.DEFAULT.Svc.Cluster.Local.", m.QuestionName);
        var a = Assert.Single(m.Answers);
        Assert.Equal("10.96.0.20", a.Data);
        Assert.Equal("CoFFee.DEFAULT.Svc.Cluster.Local.", a.Name);
        Assert.Equal(RCode.NxDomain, (await _s.Query("NOPE.default.svc.cluster.local", RecordType.A)).Rcode);
    }

    [Fact]
    public async Task PodRecordsInsecureAnswerFromTheName()
    {
        Assert.Equal("10.244.7.8", Assert.Single((await _s.Query("10-244-7-8.anyns.pod.cluster.local", RecordType.A)).Answers).Data);
        Assert.Equal("fd00::1", Assert.Single((await _s.Query("fd00--1.default.pod.cluster.local", RecordType.AAAA)).Answers).Data);
        var nodata = await _s.Query("10-244-7-8.default.pod.cluster.local", RecordType.AAAA);
        Assert.Equal((RCode.NoError, 0), (nodata.Rcode, nodata.Answers.Count));
        Assert.Equal(RCode.NxDomain, (await _s.Query("10-244-7.default.pod.cluster.local", RecordType.A)).Rcode);
        Assert.Equal(RCode.NxDomain, (await _s.Query("300-1-1-1.default.pod.cluster.local", RecordType.A)).Rcode);
    }

    [Fact]
    public async Task UdpAnswersThatDoNotFitAreTruncatedAndTcpCarriesThemWhole()
    {
        var udp = await _s.QueryUdpOnly("many.big.svc.cluster.local", RecordType.A);
        Assert.True(udp.Truncated);
        Assert.Empty(udp.Answers);
        var edns = await _s.QueryUdpOnly("many.big.svc.cluster.local", RecordType.A, edns: true); // 120 * 16 > 1232
        Assert.True(edns.Truncated);
        var tcp = await _s.Query("many.big.svc.cluster.local", RecordType.A, tcp: true);
        Assert.False(tcp.Truncated);
        Assert.Equal(120, tcp.Answers.Count);
        var small = await _s.QueryUdpOnly("coffee.default.svc.cluster.local", RecordType.A, edns: true);
        Assert.True(small.HasOpt);
        Assert.Single(small.Answers);
    }

    [Fact]
    public async Task AnyGetsOneRrset()
    {
        var m = await _s.Query("dual.default.svc.cluster.local", RecordType.ANY);
        Assert.Equal(RecordType.ANY, m.QuestionType);
        Assert.Equal("10.96.0.21", Assert.Single(m.Answers).Data);
    }
}
