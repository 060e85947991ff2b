using Podnet.Dns.PodConfig;

namespace Podnet.Dns.Tests;

public sealed class PodResolvConfTests
{
    private static readonly NodeResolver Node = NodeResolver.Parse("search corp.example\nnameserver 192.168.80.1\nnameserver 192.168.80.2\noptions timeout:2 rotate\n");

    [Fact]
    public void ClusterFirstIsWhatKubeletWrites()
    {
        Assert.Equal(
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n",
            PodResolvConf.Render(null, "shop", false, ["10.96.0.10"], "cluster.local", Node));
    }

    [Fact]
    public void HostNetworkPodsGetTheNodeResolverUnlessClusterFirstWithHostNet()
    {
        var def = "search corp.example\nnameserver 192.168.80.1\nnameserver 192.168.80.2\noptions timeout:2 rotate\n";
        Assert.Equal(def, PodResolvConf.Render("ClusterFirst", "shop", true, ["10.96.0.10"], "cluster.local", Node));
        Assert.Equal(def, PodResolvConf.Render("Default", "shop", false, ["10.96.0.10"], "cluster.local", Node));
        Assert.StartsWith("search shop.svc.cluster.local", PodResolvConf.Render("ClusterFirstWithHostNet", "shop", true, ["10.96.0.10"], "cluster.local", Node));
    }

    [Fact]
    public void NoneUsesOnlyDnsConfigAndDnsConfigMergesElsewhere()
    {
        var cfg = new PodDnsConfig(["1.2.3.4"], ["my.dns.search.suffix"], [new("ndots", "2"), new("edns0", null)]);
        Assert.Equal("search my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n",
            PodResolvConf.Render("None", "shop", false, ["10.96.0.10"], "cluster.local", Node, cfg));
        Assert.Equal("search shop.svc.cluster.local svc.cluster.local cluster.local corp.example my.dns.search.suffix\nnameserver 10.96.0.10\nnameserver 1.2.3.4\noptions ndots:2 edns0\n",
            PodResolvConf.Render("ClusterFirst", "shop", false, ["10.96.0.10"], "cluster.local", Node, cfg));
        Assert.Throws<ArgumentException>(() => PodResolvConf.Render("None", "shop", false, ["10.96.0.10"], "cluster.local", Node));
        Assert.Throws<ArgumentException>(() => PodResolvConf.Render("Sometimes", "shop", false, ["10.96.0.10"], "cluster.local", Node));
    }

    [Fact]
    public void KubeletLimitsApply()
    {
        var cfg = new PodDnsConfig(["1.1.1.1", "2.2.2.2", "3.3.3.3"], Enumerable.Range(0, 40).Select(i => $"d{i}.example").ToList());
        var text = PodResolvConf.Render("ClusterFirst", "shop", false, ["10.96.0.10"], "cluster.local", Node, cfg);
        Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("nameserver ")));
        Assert.Equal(32, text.Split('\n')[0].Split(' ').Length - 1);
    }
}
