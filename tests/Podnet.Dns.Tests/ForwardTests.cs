using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Forward;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>
/// Names outside the cluster zone go upstream. The upstream here is a second instance of our
/// server authoritative for "upstream.test", on loopback: nothing reaches the real internet.
/// </summary>
public sealed class ForwardTests : IAsyncLifetime
{
    private TestServer _upstream = null!, _front = null!;

    public Task InitializeAsync()
    {
        _upstream = TestServer.Start(SampleCluster.State(manyEndpoints: 200), new ZoneOptions(Zone: "upstream.test", Ttl: 30));
        try { _front = TestServer.Start(SampleCluster.State(), upstreams: [_upstream.Endpoint.ToString()]); }
        catch { _upstream.DisposeAsync().AsTask().Wait(); throw; }
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _front.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ForwardsOutsideTheZoneAndCachesPositiveAnswers()
    {
        var m = await _front.Query("coffee.default.svc.upstream.test", RecordType.A);
        Assert.Equal(RCode.NoError, m.Rcode);
        Assert.Equal("10.96.0.20", Assert.Single(m.Answers).Data);
        long upstreamBefore = _upstream.Host.Metrics.Requests, hitsBefore = _front.Host.Metrics.CacheHits;
        var again = await _front.Query("COFFEE.default.svc.upstream.test", RecordType.A);
        Assert.Equal("10.96.0.20", Assert.Single(again.Answers).Data);
        Assert.Equal("COFFEE.default.svc.upstream.test.", again.QuestionName);
        Assert.InRange(again.Answers[0].Ttl, 28u, 30u);
        Assert.Equal(upstreamBefore, _upstream.Host.Metrics.Requests);
        Assert.Equal(hitsBefore + 1, _front.Host.Metrics.CacheHits);
    }

    [Fact]
    public async Task CachesNegativeAnswersForTheSoaMinimum()
    {
        var m = await _front.Query("nope.default.svc.upstream.test", RecordType.A);
        Assert.Equal(RCode.NxDomain, m.Rcode);
        Assert.Equal(RecordType.SOA, Assert.Single(m.Authority).Type);
        long upstreamBefore = _upstream.Host.Metrics.Requests;
        Assert.Equal(RCode.NxDomain, (await _front.Query("nope.default.svc.upstream.test", RecordType.A)).Rcode);
        var nodata = await _front.Query("coffee.default.svc.upstream.test", RecordType.TXT);
        Assert.Equal((RCode.NoError, 0), (nodata.Rcode, nodata.Answers.Count));
        await _front.Query("coffee.default.svc.upstream.test", RecordType.TXT);
        Assert.Equal(upstreamBefore + 1, _upstream.Host.Metrics.Requests); // only the first TXT went upstream
    }

    [Fact]
    public async Task FallsBackToTcpWhenTheUpstreamTruncates()
    {
        // 200 A records do not fit in UDP: the forwarder must retry upstream over TCP.
        var m = await _front.Query("many.big.svc.upstream.test", RecordType.A, tcp: true);
        Assert.False(m.Truncated);
        Assert.Equal(200, m.Answers.Count);
        var udp = await _front.QueryUdpOnly("many.big.svc.upstream.test", RecordType.A);
        Assert.True(udp.Truncated); // too big for this client's 512 bytes: it must come back over TCP
    }

    [Fact]
    public async Task ReverseNamesWeDoNotHoldAreForwarded()
    {
        var m = await _front.Query("20.0.96.10.in-addr.arpa", RecordType.PTR);
        Assert.Equal("coffee.default.svc.cluster.local.", Assert.Single(m.Answers).Data); // our own zone answers
        long before = _upstream.Host.Metrics.Requests;
        var up = await _front.Query("99.99.99.10.in-addr.arpa", RecordType.PTR);
        Assert.Equal(RCode.NxDomain, up.Rcode); // the upstream's answer: it holds no such address
        Assert.Equal(before + 1, _upstream.Host.Metrics.Requests);
    }

    [Fact]
    public async Task DeadUpstreamGivesServFail()
    {
        // A bound but silent UDP socket: queries to it time out.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var s = TestServer.Start(SampleCluster.State(), upstreams: [silent.LocalEndPoint!.ToString()!]);
        var m = await Client.DnsClient.QueryAsync(s.Endpoint, "www.example.org", RecordType.A, timeout: TimeSpan.FromSeconds(5));
        Assert.Equal(RCode.ServFail, m.Rcode);
    }

    [Fact]
    public void ResolvConfNameservers()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# comment\nsearch default.svc.cluster.local\nnameserver 10.96.0.10\nnameserver fd00::10%eth0 ; x\noptions ndots:5\n");
            Assert.Equal(["10.96.0.10:53", "[fd00::10]:53"], ResolvConf.ReadNameservers(path).Select(e => e.ToString()).ToArray());
        }
        finally { File.Delete(path); }
        Assert.Equal("127.0.0.2:5353", ResolvConf.ParseEndpoint("127.0.0.2:5353").ToString());
        Assert.Equal("[::1]:53", ResolvConf.ParseEndpoint("::1").ToString());
        Assert.Throws<FormatException>(() => ResolvConf.ParseEndpoint("nameserver.example"));
    }
}
