using System.Net;
using Podnet.Linux.Netlink;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

/// <summary>Dumps larger than one netlink datagram (multipart replies) come back complete.</summary>
public class DumpTests
{
    [Fact]
    public void HundredsOfLinksAddressesRoutesAndNeighbours()
    {
        using var a = new NsRtnl();
        for (int i = 0; i < 120; i++) a.R.AddVeth($"da{i}", $"db{i}");
        a.Dev("big0");
        a.R.SetUp("big0");
        for (int i = 0; i < 300; i++)
        {
            var ip = new IPAddress([10, 60, (byte)(i / 250), (byte)(1 + i % 250)]);
            a.R.AddAddress("big0", ip, 32);
            a.R.ReplaceRoute(new Route { Destination = new IPNetwork(new IPAddress([10, 61, (byte)(i / 250), (byte)(i % 250 * 1)]), 32), OutIndex = a.R.GetLink("big0").Index });
            a.R.ReplaceNeighbour("big0", new IPAddress([10, 62, (byte)(i / 250), (byte)(1 + i % 250)]), new MacAddress(0x020000000000UL + (ulong)i));
        }

        var linkNames = a.T.IpJson("link").EnumerateArray().Select(l => l.GetProperty("ifname").GetString()!).Order().ToList();
        Assert.Equal(2 + 240 + 1, linkNames.Count); // lo, 120 pairs, big0 + its peer
        Assert.Equal(linkNames, a.R.ListLinks().Select(l => l.Name).Order().ToList());
        Assert.Equal(300, a.R.ListAddresses("big0").Count(x => x.Ip.ToString().StartsWith("10.60.")));
        Assert.Equal(300, a.R.ListRoutes().Count(r => r.Destination?.BaseAddress.ToString().StartsWith("10.61.") == true));
        Assert.Equal(300, a.R.ListNeighbours("big0").Count(n => n.Ip.ToString().StartsWith("10.62.")));
    }
}
