using Podnet.Dns.Config;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void CorefileWithEveryDirective()
    {
        var c = Corefile.Parse("""
            # cluster DNS
            .:5353 {
                errors
                bind 127.0.0.9
                kubernetes k8s.local in-addr.arpa ip6.arpa {
                    pods verified
                    ttl 30
                    endpoint unix:///run/podnet/lab/api.sock
                    fallthrough in-addr.arpa ip6.arpa
                }
                forward . 10.0.0.2:53 /etc/resolv.conf
                cache 600
                prometheus :9153
                health 127.0.0.1:8080
                workers 3
            }
            """);
        Assert.Equal("127.0.0.9:5353", c.Listen.ToString());
        Assert.Equal(new ZoneOptions("k8s.local", 30, PodsMode.Verified), c.Zone);
        Assert.Equal("/run/podnet/lab/api.sock", c.ApiSocket);
        Assert.Equal(["10.0.0.2:53", "/etc/resolv.conf"], c.Upstreams);
        Assert.Equal(600u, c.CacheMaxTtl);
        Assert.Equal(":9153", c.Metrics);
        Assert.Equal("127.0.0.1:8080", c.Health);
        Assert.Equal(3, c.UdpWorkers);
    }

    [Theory]
    [InlineData(".:53 {\n  rewrite name a b\n}", "Corefile:2: unknown directive \"rewrite\"")]
    [InlineData(".:53 {\n kubernetes cluster.local {\n  pods sometimes\n }\n}", "Corefile:3: pods must be insecure, verified or disabled, not \"sometimes\"")]
    [InlineData(".:53 {\n forward . not-an-ip\n}", "Corefile:2: invalid upstream server \"not-an-ip\"")]
    [InlineData(".:99999 {\n}", "Corefile:1: invalid port in \".:99999\"")]
    [InlineData(".:53 {\n cache 5\n", "Corefile:1: server block is not closed")]
    [InlineData(".:53 {\n kubernetes cluster.local {\n  ttl -1\n }\n}", "Corefile:3: ttl must be 0..3600")]
    public void CorefileErrorsNameTheLine(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Corefile.Parse(text));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void CommandLineOverridesTheConfigFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, ".:53 {\n kubernetes cluster.local {\n  ttl 30\n }\n forward . 10.0.0.2\n}\n");
            var c = DnsCommand.ParseArgs(["--config", path, "--listen", "127.0.0.5:5300", "--ttl", "9", "--upstream", "127.0.0.6:53,127.0.0.7",
                "--zone", "Cluster.Local.", "--metrics", ":9153", "--api-socket", "/run/x.sock", "--pods", "disabled"]);
            Assert.Equal("127.0.0.5:5300", c.Listen.ToString());
            Assert.Equal(new ZoneOptions("cluster.local", 9, PodsMode.Disabled), c.Zone);
            Assert.Equal(["127.0.0.6:53", "127.0.0.7"], c.Upstreams);
            Assert.Equal("/run/x.sock", c.ApiSocket);
        }
        finally { File.Delete(path); }
        Assert.Throws<FormatException>(() => DnsCommand.ParseArgs(["--ttl", "soon"]));
        Assert.Throws<FormatException>(() => DnsCommand.ParseArgs(["--bogus", "1"]));
        Assert.Throws<FormatException>(() => DnsCommand.ParseArgs(["--zone", "bad..zone"]));
    }

    [Fact]
    public async Task RunAsyncServesUntilCancelledAndRejectsBadOptions()
    {
        Assert.Equal(2, await DnsCommand.RunAsync(["--ttl", "x"], CancellationToken.None));
        var state = Path.GetTempFileName();
        try
        {
            Cluster.StateFile.Save(SampleCluster.State(), state);
            int port = System.Random.Shared.Next(20000, 60000);
            using var cts = new CancellationTokenSource();
            var run = DnsCommand.RunAsync(["--listen", $"127.0.0.1:{port}", "--state", state, "--upstream", "none"], cts.Token);
            var ep = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
            Wire.DnsMessage? m = null;
            for (int i = 0; i < 50 && m is null; i++)
            {
                try { m = await Client.DnsClient.QueryAsync(ep, "db.default.svc.cluster.local", Wire.RecordType.A, timeout: TimeSpan.FromMilliseconds(200)); }
                catch (TimeoutException) { }
            }
            Assert.NotNull(m);
            Assert.Equal(3, m.Answers.Count);
            cts.Cancel();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally { File.Delete(state); }
    }
}
