using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Podnet.Linux.Netlink;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

public class RouteTests
{
    private static NsRtnl WithLink(out int index)
    {
        var a = new NsRtnl();
        try
        {
            a.Dev("d0");
            a.R.SetUp("d0");
            a.R.AddAddress("d0", Ip("192.168.80.11"), 24);
            a.R.AddAddress("d0", Ip("fd00:80::11"), 64, noDad: true);
            index = a.R.GetLink("d0").Index;
            return a;
        }
        catch { a.Dispose(); throw; }
    }

    private static JsonElement? Find(NsRtnl a, string dst, params string[] extra)
    {
        var args = new List<string>();
        if (dst.Contains(':')) args.Add("-6");
        args.AddRange(["route", "show"]);
        args.AddRange(extra);
        foreach (var r in a.T.IpJson(args.ToArray()).EnumerateArray())
            if (r.GetProperty("dst").GetString() == dst) return r;
        return null;
    }

    [Fact]
    public void ReplaceViaGatewayWithMetricProtocolAndSource()
    {
        using var a = WithLink(out int dev);
        var route = new Route
        {
            Destination = IPNetwork.Parse("10.244.2.0/24"), Gateway = Ip("192.168.80.12"), OutIndex = dev,
            Metric = 50, Protocol = RouteProtocols.Static, Source = Ip("192.168.80.11"),
        };
        a.R.ReplaceRoute(route);
        a.R.ReplaceRoute(route); // replace is idempotent
        var r = Find(a, "10.244.2.0/24")!.Value;
        Assert.Equal("192.168.80.12", r.GetProperty("gateway").GetString());
        Assert.Equal("d0", r.GetProperty("dev").GetString());
        Assert.Equal(50, r.GetProperty("metric").GetInt32());
        Assert.Equal("static", r.GetProperty("protocol").GetString());
        Assert.Equal("192.168.80.11", r.GetProperty("prefsrc").GetString());

        var listed = a.R.ListRoutes(AddressFamily.InterNetwork).Single(x => x.Destination?.ToString() == "10.244.2.0/24");
        Assert.Equal(route with { Scope = RouteScopes.Universe }, listed);

        // Replace changes the gateway in place.
        a.R.ReplaceRoute(route with { Gateway = Ip("192.168.80.13") });
        Assert.Equal("192.168.80.13", Find(a, "10.244.2.0/24")!.Value.GetProperty("gateway").GetString());

        a.R.DeleteRoute(route with { Gateway = null, Source = null, Protocol = RouteProtocols.Boot });
        Assert.Null(Find(a, "10.244.2.0/24"));
        a.R.DeleteRoute(route); // missing: tolerated
        var e = Assert.Throws<PodnetLinuxException>(() => a.R.DeleteRoute(route, ignoreMissing: false));
        Assert.Equal(Errno.ESRCH, e.Errno);
        Assert.Contains("route 10.244.2.0/24 via 192.168.80.12", e.Message);
    }

    [Fact]
    public void OnlinkGatewayOutsideEverySubnetAndDefaultRoute()
    {
        using var a = WithLink(out int dev);
        // flannel's host-gw/vxlan style: the gateway is not in any local subnet.
        a.R.ReplaceRoute(new Route { Destination = IPNetwork.Parse("10.244.3.0/24"), Gateway = Ip("10.244.3.0"), OutIndex = dev, OnLink = true });
        var r = Find(a, "10.244.3.0/24")!.Value;
        Assert.Contains("onlink", r.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.True(a.R.ListRoutes().Single(x => x.Destination?.ToString() == "10.244.3.0/24").OnLink);

        // Without onlink the kernel refuses: the error keeps the cause.
        var e = Assert.Throws<PodnetLinuxException>(() =>
            a.R.ReplaceRoute(new Route { Destination = IPNetwork.Parse("10.244.4.0/24"), Gateway = Ip("10.244.4.0"), OutIndex = dev }));
        Assert.Equal(Errno.ENETUNREACH, e.Errno);

        a.R.ReplaceRoute(new Route { Gateway = Ip("192.168.80.1") });
        Assert.Equal("192.168.80.1", Find(a, "default")!.Value.GetProperty("gateway").GetString());
        Assert.Contains(a.R.ListRoutes(AddressFamily.InterNetwork), x => x.Destination is null && Equals(x.Gateway, Ip("192.168.80.1")));
    }

    [Fact]
    public void DeviceRouteGetsLinkScopeAndTablesAreSeparate()
    {
        using var a = WithLink(out int dev);
        a.R.AddRoute(new Route { Destination = IPNetwork.Parse("10.96.0.0/12"), OutIndex = dev });
        Assert.Equal("link", Find(a, "10.96.0.0/12")!.Value.GetProperty("scope").GetString());
        var dup = Assert.Throws<PodnetLinuxException>(() => a.R.AddRoute(new Route { Destination = IPNetwork.Parse("10.96.0.0/12"), OutIndex = dev }));
        Assert.Equal(Errno.EEXIST, dup.Errno);
        a.R.AddRoute(new Route { Destination = IPNetwork.Parse("10.96.0.0/12"), OutIndex = dev }, ignoreExisting: true);

        a.R.ReplaceRoute(new Route { Destination = IPNetwork.Parse("10.50.0.0/16"), OutIndex = dev, Table = 100, Scope = RouteScopes.Link });
        a.R.ReplaceRoute(new Route { Destination = IPNetwork.Parse("10.51.0.0/16"), OutIndex = dev, Table = 1000 });
        Assert.Null(Find(a, "10.50.0.0/16"));
        Assert.NotNull(Find(a, "10.50.0.0/16", "table", "100"));
        Assert.NotNull(Find(a, "10.51.0.0/16", "table", "1000"));
        Assert.Single(a.R.ListRoutes(table: 100));
        Assert.Equal(1000u, a.R.ListRoutes(table: 1000).Single().Table);
        a.R.DeleteRoute(new Route { Destination = IPNetwork.Parse("10.51.0.0/16"), Table = 1000 });
        Assert.Empty(a.R.ListRoutes(table: 1000));
    }

    [Fact]
    public void Ipv6Routes()
    {
        using var a = WithLink(out int dev);
        a.R.ReplaceRoute(new Route { Destination = IPNetwork.Parse("fd00:244:2::/64"), Gateway = Ip("fd00:80::12"), OutIndex = dev });
        Assert.Equal("fd00:80::12", Find(a, "fd00:244:2::/64")!.Value.GetProperty("gateway").GetString());
        Assert.Contains(a.R.ListRoutes(AddressFamily.InterNetworkV6), r => r.Destination?.ToString() == "fd00:244:2::/64");
        a.R.ReplaceRoute(new Route { Gateway = Ip("fd00:80::1") }); // family from the gateway
        Assert.Equal("fd00:80::1", a.T.IpJson("-6", "route", "show", "default")[0].GetProperty("gateway").GetString());
        Assert.Contains(a.R.ListRoutes(AddressFamily.InterNetworkV6), r => r.Destination is null && Equals(r.Gateway, Ip("fd00:80::1")));
        var e = Assert.Throws<PodnetLinuxException>(() =>
            a.R.ReplaceRoute(new Route { Destination = IPNetwork.Parse("fd00:244:3::/64"), Gateway = Ip("192.168.80.1") }));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }
}

public class SpecialRouteTests
{
    [Fact]
    public void BlackholeRouteForALocalBlock()
    {
        using var a = new NsRtnl();
        // Calico keeps a blackhole for the node's own block so unknown pod IPs are dropped, not leaked.
        var bh = new Route { Destination = IPNetwork.Parse("10.244.7.0/24"), Type = RouteTypes.Blackhole, Protocol = RouteProtocols.Static };
        a.R.ReplaceRoute(bh);
        var shown = a.T.IpJson("route", "show").EnumerateArray().Single(r => r.GetProperty("dst").GetString() == "10.244.7.0/24");
        Assert.Equal("blackhole", shown.GetProperty("type").GetString());
        var listed = a.R.ListRoutes().Single(r => r.Destination?.ToString() == "10.244.7.0/24");
        Assert.Equal(RouteTypes.Blackhole, listed.Type);
        Assert.StartsWith("blackhole 10.244.7.0/24", listed.ToString());
        a.R.DeleteRoute(bh);
        Assert.Empty(a.R.ListRoutes());
    }
}
