using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>The same records through a real, independent client: dig (BIND's parser is strict about what it accepts).</summary>
public sealed class DigTests : IAsyncLifetime
{
    private TestServer _s = null!;

    public Task InitializeAsync()
    {
        _s = TestServer.Start(SampleCluster.State());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    [Theory]
    [InlineData("coffee.default.svc.cluster.local", "A", "10.96.0.20")]
    [InlineData("dual.default.svc.cluster.local", "AAAA", "fd00:96::21")]
    [InlineData("db.default.svc.cluster.local", "A", "10.244.1.10 10.244.2.11 10.244.2.12")]
    [InlineData("db-1.db.default.svc.cluster.local", "A", "10.244.2.11")]
    [InlineData("_http._tcp.coffee.default.svc.cluster.local", "SRV", "0 100 80 coffee.default.svc.cluster.local.")]
    [InlineData("_pg._tcp.db.default.svc.cluster.local", "SRV", "0 33 5432 10-244-2-12.db.default.svc.cluster.local. 0 33 5432 db-0.db.default.svc.cluster.local. 0 33 5432 db-1.db.default.svc.cluster.local.")]
    [InlineData("ext.default.svc.cluster.local", "CNAME", "www.example.com.")]
    [InlineData("dns-version.cluster.local", "TXT", "\"1.1.0\"")]
    [InlineData("10-244-5-6.default.pod.cluster.local", "A", "10.244.5.6")]
    [InlineData("COFFEE.Default.SVC.cluster.local", "A", "10.96.0.20")]
    public async Task DigShort(string name, string type, string expected)
    {
        Assert.Equal(expected.Split(' ').Order().ToArray(), (await Dig.Short(_s.Endpoint, name, type)).SelectMany(l => l.Split(' ')).Order().ToArray());
        // And over TCP.
        Assert.Equal(expected.Split(' ').Order().ToArray(), (await Dig.Short(_s.Endpoint, "+tcp", name, type)).SelectMany(l => l.Split(' ')).Order().ToArray());
    }

    [Theory]
    [InlineData("10.96.0.20", "coffee.default.svc.cluster.local.")]
    [InlineData("10.244.1.10", "db-0.db.default.svc.cluster.local.")]
    [InlineData("fd00:96::21", "dual.default.svc.cluster.local.")]
    public async Task DigReverse(string ip, string expected)
    {
        Assert.Equal([expected], await Dig.Short(_s.Endpoint, "-x", ip));
    }

    [Fact]
    public async Task DigSeesAuthoritativeNxDomainAndNoDataWithSoa()
    {
        var nx = await Dig.Run(_s.Endpoint, "nope.default.svc.cluster.local", "A");
        Assert.Contains("status: NXDOMAIN", nx);
        Assert.Contains("flags: qr aa rd ra", nx);
        Assert.Matches(@"cluster\.local\.\s+5\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\.", nx);
        var nodata = await Dig.Run(_s.Endpoint, "coffee.default.svc.cluster.local", "TXT");
        Assert.Contains("status: NOERROR", nodata);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", nodata);
    }

    [Fact]
    public async Task DigSrvCarriesAddressesInAdditional()
    {
        var o = await Dig.Run(_s.Endpoint, "_pg._tcp.db.default.svc.cluster.local", "SRV");
        Assert.Contains("ANSWER: 3, AUTHORITY: 0, ADDITIONAL: 4", o); // 3 A records + OPT
        Assert.Matches(@"db-0\.db\.default\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.244\.1\.10", o);
    }

    [Fact]
    public async Task DigFallsBackToTcpForALargeHeadlessService()
    {
        var o = await Dig.Run(_s.Endpoint, "many.big.svc.cluster.local", "A");
        Assert.Contains("Truncated, retrying in TCP mode", o);
        Assert.Contains("ANSWER: 120,", o);
    }
}
