using System.Diagnostics;
using System.Net;
using System.Text;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Tests;

/// <summary>
/// Forwarding against a real, independent DNS server: Knot DNS (Debian's knot) authoritative for
/// "upstream.test" on a loopback high port. Checks interop of the forwarder, the cache and the TCP
/// fallback with a server that is not ours.
/// </summary>
public sealed class KnotUpstreamTests : IAsyncLifetime
{
    private string _dir = null!;
    private Process _knot = null!;
    private TestServer? _front;
    private IPEndPoint _knotEp = null!;

    public async Task InitializeAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pnt-dns-knot-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        int port = Random.Shared.Next(20000, 60000);
        _knotEp = new IPEndPoint(IPAddress.Loopback, port);
        var zone = new StringBuilder("$ORIGIN upstream.test.\n$TTL 300\n@ SOA ns.upstream.test. admin.upstream.test. 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.1\nwww AAAA 2001:db8::1\nalias CNAME www\n");
        for (int i = 1; i <= 100; i++) zone.Append($"big A 198.51.100.{i}\n");
        File.WriteAllText(Path.Combine(_dir, "upstream.test.zone"), zone.ToString());
        File.WriteAllText(Path.Combine(_dir, "knot.conf"), $"""
            server:
                rundir: "{_dir}"
                listen: 127.0.0.1@{port}
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
            database:
                storage: "{_dir}"
            log:
              - target: stderr
                any: error
            zone:
              - domain: upstream.test
                file: "{_dir}/upstream.test.zone"
                journal-content: none
                zonefile-sync: -1
            """);
        _knot = Process.Start(new ProcessStartInfo("knotd", ["-c", Path.Combine(_dir, "knot.conf")]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start knotd (apt-get install knot)");
        try { await WaitForKnot(); }
        catch
        {
            await DisposeAsync(); // xunit does not dispose a fixture whose initialisation failed
            throw;
        }
        _front = TestServer.Start(SampleCluster.State(), upstreams: [_knotEp.ToString()]);
    }

    private async Task WaitForKnot()
    {
        for (int i = 0; ; i++)
        {
            try
            {
                var m = await Client.DnsClient.QueryAsync(_knotEp, "www.upstream.test", RecordType.A, timeout: TimeSpan.FromMilliseconds(200));
                if (m.Answers.Count == 1) break;
            }
            catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException) { } // not listening yet
            if (i > 50 || _knot.HasExited) throw new InvalidOperationException($"knotd did not come up: {(_knot.HasExited ? await _knot.StandardError.ReadToEndAsync() : "no answer")}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_front is not null) await _front.DisposeAsync();
        if (!_knot.HasExited) { _knot.Kill(true); await _knot.WaitForExitAsync(); }
        _knot.Dispose();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task ForwardsToKnotAndCaches()
    {
        var a = await _front!.Query("www.upstream.test", RecordType.A);
        Assert.Equal("192.0.2.1", Assert.Single(a.Answers).Data);
        var cname = await _front!.Query("alias.upstream.test", RecordType.A);
        Assert.Equal(["192.0.2.1", "www.upstream.test."], cname.Answers.Select(r => r.Data).Order().ToArray());
        long hits = _front!.Host.Metrics.CacheHits;
        Assert.Equal("2001:db8::1", Assert.Single((await _front!.Query("WWW.upstream.test", RecordType.AAAA)).Answers).Data);
        Assert.Equal("2001:db8::1", Assert.Single((await _front!.Query("www.upstream.test", RecordType.AAAA)).Answers).Data);
        Assert.Equal(hits + 1, _front!.Host.Metrics.CacheHits);
    }

    [Fact]
    public async Task NegativeAnswersFromKnotAreCachedForTheSoaMinimum()
    {
        var nx = await _front!.Query("missing.upstream.test", RecordType.A);
        Assert.Equal(RCode.NxDomain, nx.Rcode);
        Assert.Equal(RecordType.SOA, Assert.Single(nx.Authority).Type);
        long hits = _front!.Host.Metrics.CacheHits;
        var again = await _front!.Query("missing.upstream.test", RecordType.A);
        Assert.Equal(RCode.NxDomain, again.Rcode);
        Assert.InRange(Assert.Single(again.Authority).Ttl, 58u, 60u); // min(SOA TTL 300, MINIMUM 60), aged
        Assert.Equal(hits + 1, _front!.Host.Metrics.CacheHits);
    }

    [Fact]
    public async Task TruncatedKnotAnswersAreFetchedOverTcp()
    {
        var m = await _front!.Query("big.upstream.test", RecordType.A, tcp: true);
        Assert.Equal(100, m.Answers.Count);
    }
}
