using System.Net;
using System.Text;
using Podnet.Cni.Config;
using Podnet.Cni.Ipam;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Tests.Unit;

public class IpamTests
{
    static IpamConf Conf(string ipamJson, string args = "", string? extra = null)
    {
        var root = (JObj)JsonTree.Parse($$"""{"cniVersion":"1.1.0","name":"net1","type":"podnet-cni","ipam":{{ipamJson}}{{extra}}}""")!;
        return IpamConf.Parse((JObj)root["ipam"]!, "net1", CniArgs.Parse(args), root);
    }

    [Fact]
    public void Range_defaults_follow_host_local()
    {
        var r = IpRange.Create("10.1.0.0/24", null, null, null, "t");
        Assert.Equal(IPAddress.Parse("10.1.0.1"), r.Start);
        Assert.Equal(IPAddress.Parse("10.1.0.254"), r.End);
        Assert.Equal(IPAddress.Parse("10.1.0.1"), r.Gateway);
    }

    [Theory]
    [InlineData("10.1.0.5/24", null, null, "host bits")]
    [InlineData("10.1.0.0/31", null, null, "too small")]
    [InlineData("10.1.0.0/24", "10.2.0.1", null, "rangeStart 10.2.0.1 not in network")]
    [InlineData("10.1.0.0/24", null, "10.2.0.1", "rangeEnd 10.2.0.1 not in network")]
    [InlineData("10.1.0.0/24", "10.1.0.9", "10.1.0.3", "after")]
    public void Bad_ranges_are_config_errors_naming_the_problem(string subnet, string? start, string? end, string expect)
    {
        var e = Assert.Throws<CniException>(() => IpRange.Create(subnet, start, end, null, "ipam.ranges[0][0]"));
        Assert.Equal(CniErrorCode.InvalidConfig, e.Code);
        Assert.Contains(expect, e.Details);
    }

    [Fact]
    public void Overlapping_range_sets_are_refused()
    {
        var e = Assert.Throws<CniException>(() => Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.1.0.0/25"}]]}"""));
        Assert.Contains("overlaps", e.Details);
    }

    [Fact]
    public void Allocation_is_round_robin_skips_gateway_and_wraps()
    {
        var conf = Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/29","rangeStart":"10.1.0.1","rangeEnd":"10.1.0.4"}]]}""");
        var store = new MemoryStore();
        var ipam = new HostLocalIpam(conf, (_, _) => store);
        string A(string id) => ipam.Add(id, "eth0", "1.1.0").Ips[0].Address.ToString();
        Assert.Equal("10.1.0.2/29", A("a"));
        Assert.Equal("10.1.0.3/29", A("b"));
        ipam.Del("a", "eth0");
        Assert.Equal("10.1.0.4/29", A("c"));  // round robin: not the freed .2
        Assert.Equal("10.1.0.2/29", A("d"));  // wraps, skipping the gateway .1
        var e = Assert.Throws<CniException>(() => A("e"));
        Assert.Equal(CniErrorCode.TryAgainLater, e.Code);
        Assert.Contains("no IP addresses available", e.Details);
        Assert.Equal(3, store.Held.Count);
    }

    [Fact]
    public void Range_sets_allocate_one_address_each_and_roll_back_together()
    {
        var conf = Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/30"}],[{"subnet":"fd00::/126"}]]}""");
        var store = new MemoryStore();
        var ipam = new HostLocalIpam(conf, (_, _) => store);
        var r = ipam.Add("a", "eth0", "1.1.0");
        Assert.Equal(["10.1.0.2/30", "fd00::2/126"], r.Ips.Select(i => i.Address.ToString()));
        // v4 set is now full: the second attachment must fail and leave no v6 address behind.
        Assert.Throws<CniException>(() => ipam.Add("b", "eth0", "1.1.0"));
        Assert.Equal(2, store.Held.Count);
        var dup = Assert.Throws<CniException>(() => ipam.Add("a", "eth0", "1.1.0"));
        Assert.Contains("duplicate", dup.Details);
    }

    [Fact]
    public void Requested_ips_come_from_cni_args_args_and_runtime_config()
    {
        var conf = Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/24"}]]}""", "IP=10.1.0.77",
            ""","runtimeConfig":{"ips":["10.2.0.88/24"]}""");
        var store = new MemoryStore();
        var r = new HostLocalIpam(conf, (_, _) => store).Add("a", "eth0", "1.1.0");
        Assert.Equal(["10.1.0.77/24", "10.2.0.88/24"], r.Ips.Select(i => i.Address.ToString()));
        var gw = Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/24"}]]}""", "IP=10.1.0.1");
        Assert.Contains("gateway", Assert.Throws<CniException>(() => new HostLocalIpam(gw, (_, _) => new MemoryStore()).Add("a", "eth0", "1.1.0")).Details);
        var outside = Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/24"}]]}""", "IP=10.9.0.1");
        Assert.Contains("10.9.0.1", Assert.Throws<CniException>(() => new HostLocalIpam(outside, (_, _) => new MemoryStore()).Add("a", "eth0", "1.1.0")).Details);
    }

    [Fact]
    public void Gc_releases_all_but_valid_attachments()
    {
        var conf = Conf("""{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/24"}]]}""");
        var store = new MemoryStore();
        var ipam = new HostLocalIpam(conf, (_, _) => store);
        foreach (var id in new[] { "a", "b", "c" }) ipam.Add(id, "eth0", "1.1.0");
        var gone = ipam.Gc([new Attachment("b", "eth0")]);
        Assert.Equal(["a", "c"], gone.Select(g => g.ContainerId).Order());
        Assert.Equal("b", Assert.Single(store.Held).Value.Id);
    }

    [Fact]
    public void An_unreadable_resolv_conf_fails_add_before_anything_is_reserved()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pnt-cni-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var conf = Conf($$"""{"type":"podnet-ipam","dataDir":"{{dir}}","resolvConf":"{{dir}}/no-such-resolv.conf","ranges":[[{"subnet":"10.1.0.0/24"}]]}""");
            var e = Assert.Throws<CniException>(() => HostLocalIpam.OnDisk(conf).Add("ctr1", "eth0", "1.1.0"));
            Assert.Equal(CniErrorCode.IoFailure, e.Code);
            Assert.Contains("no-such-resolv.conf", e.Message);
            // No reservation left behind (it used to be committed before the file was read).
            var net = Path.Combine(dir, "net1");
            Assert.Empty(Directory.Exists(net) ? Directory.GetFiles(net).Where(f => IpMath.TryParseStrict(Path.GetFileName(f), out _)) : []);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void Disk_store_uses_host_local_layout()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pnt-cni-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var conf = Conf($$"""{"type":"podnet-ipam","dataDir":"{{dir}}","ranges":[[{"subnet":"10.1.0.0/24"}]]}""");
            var ipam = HostLocalIpam.OnDisk(conf);
            ipam.Add("ctr1", "eth0", "1.1.0");
            var net = Path.Combine(dir, "net1");
            Assert.Equal("ctr1\r\neth0", File.ReadAllText(Path.Combine(net, "10.1.0.2")));
            Assert.Equal("10.1.0.2", File.ReadAllText(Path.Combine(net, "last_reserved_ip.0")));
            Assert.True(File.Exists(Path.Combine(net, "lock")));
            // Files of old host-local versions hold only the container id: they are still released.
            File.WriteAllText(Path.Combine(net, "10.1.0.9"), "old");
            ipam.Del("old", "eth0");
            Assert.False(File.Exists(Path.Combine(net, "10.1.0.9")));
            ipam.Del("ctr1", "eth0");
            ipam.Del("ctr1", "eth0");
            Assert.False(File.Exists(Path.Combine(net, "10.1.0.2")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
