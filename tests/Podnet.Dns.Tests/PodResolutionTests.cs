using System.Net;
using Podnet.Dns.Config;
using Podnet.Dns.PodConfig;
using Podnet.Testing;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>
/// A pod's view: inside a throwaway pnt- namespace, our server listens on 127.0.0.1:53 and the
/// namespace's /etc/resolv.conf (what `ip netns exec` mounts from /etc/netns/NAME) is the one
/// kubelet would write for a ClusterFirst pod. glibc's resolver (getent) and dig then resolve
/// short names through the search list, with no extra set-up.
/// </summary>
public sealed class PodResolutionTests
{
    [Fact]
    public async Task ShortNamesResolveThroughTheSearchListInsideANamespace()
    {
        using var ns = new TestNetns("dns");
        ns.Ip("link", "set", "lo", "up").Check();
        var etc = Path.Combine("/etc/netns", ns.Name);
        Directory.CreateDirectory(etc);
        DnsHost? host = null;
        try
        {
            File.WriteAllText(Path.Combine(etc, "resolv.conf"),
                PodResolvConf.Render("ClusterFirst", "default", false, ["127.0.0.1"], "cluster.local", NodeResolver.Parse("")));
            // Sockets belong to the namespace of the thread that creates them.
            host = ns.Ns.Run(() => DnsHost.Start(new DnsConfig { Listen = new IPEndPoint(IPAddress.Loopback, 53), Upstreams = [], UdpWorkers = 1 }));
            host.Updater.Apply(SampleCluster.State());

            Assert.Matches(@"^10\.96\.0\.20\s+coffee\.default\.svc\.cluster\.local", ns.Output("getent", "hosts", "coffee"));
            Assert.Matches(@"^10\.96\.0\.30\s+coffee\.prod\.svc\.cluster\.local", ns.Output("getent", "hosts", "coffee.prod"));
            Assert.Matches(@"^10\.244\.1\.10\s+db-0\.db\.default\.svc\.cluster\.local", ns.Output("getent", "hosts", "db-0.db"));
            Assert.Equal("10.96.0.10", ns.Output("dig", "+search", "+short", "kube-dns.kube-system").Trim());
            Assert.Equal("10.96.0.20", ns.Output("dig", "+search", "+short", "+tcp", "coffee").Trim());
            Assert.NotEqual(0, ns.Exec("getent", "hosts", "nope").ExitCode);
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
            Directory.Delete(etc, true);
        }
    }
}
