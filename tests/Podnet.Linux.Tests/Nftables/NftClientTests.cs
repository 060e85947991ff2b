using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Podnet.Linux.Nftables;

namespace Podnet.Linux.Tests.Nftables;

public sealed class NftClientTests
{
    private static readonly NftTable Table = new(NftFamily.Ip, "podnet", "test table");

    private static NftSet ServiceMap => new(Table, "service-ips",
        [NftDataType.Ipv4Addr, NftDataType.InetProto, NftDataType.InetService], NftDataType.Verdict, Comment: "ClusterIP services");

    private static NftTransaction Skeleton() => new NftTransaction()
        .AddTable(Table)
        .AddChain(new NftChain(Table, "nat-prerouting", new NftBaseChain(NftChainType.Nat, NftHook.Prerouting, NftBaseChain.DstNat)))
        .AddChain(new NftChain(Table, "nat-output", new NftBaseChain(NftChainType.Nat, NftHook.Output, NftBaseChain.DstNat)))
        .AddChain(new NftChain(Table, "services", Comment: "service dispatch"))
        .AddSet(ServiceMap)
        .AddRule(Table, "nat-prerouting", null, NftMatch.Jump("services"))
        .AddRule(Table, "nat-output", null, NftMatch.Jump("services"))
        .AddRule(Table, "services", "dispatch", [.. NftMatch.DaddrProtoDportVmap("service-ips")]);

    private static NftElement Svc(string ip, byte proto, ushort port, string chain)
        => new(NftKey.AddrProtoPort(IPAddress.Parse(ip), proto, port), NftVerdict.Goto(chain));

    [Fact]
    public void TablesChainsSetsAndMapsAreVisibleToNftAndToOurDump()
    {
        using var ns = new TestNetns();
        using var nft = new NftClient(ns.Name);
        var cidrs = new NftSet(Table, "cidrs", [NftDataType.Ipv4Addr], Flags: NftSetFlags.Interval);
        var affinity = new NftSet(Table, "affinity", [NftDataType.Ipv4Addr], Flags: NftSetFlags.Dynamic, Timeout: TimeSpan.FromHours(3));
        var tx = Skeleton()
            .AddChain(new NftChain(Table, "ep-1"))
            .AddRule(Table, "ep-1", "endpoint 10.0.1.2:8080", [new NftCounter(), .. NftMatch.DnatTo(IPAddress.Parse("10.0.1.2"), 8080)])
            .AddElements(Table, "service-ips", [Svc("10.96.0.1", NftKey.Tcp, 80, "ep-1")])
            .AddSet(cidrs)
            .AddElements(Table, "cidrs", [.. NftKey.Cidr(IPNetwork.Parse("10.0.0.0/8")), .. NftKey.Cidr(IPNetwork.Parse("192.168.1.0/24"))])
            .AddSet(affinity);
        nft.Apply(tx);

        // nft's own view, as JSON.
        using var doc = JsonDocument.Parse(ns.Exec("nft", "-j", "list", "ruleset"));
        var objs = doc.RootElement.GetProperty("nftables").EnumerateArray().ToList();
        Assert.Contains(objs, o => o.TryGetProperty("table", out var t) && t.GetProperty("name").GetString() == "podnet" && t.GetProperty("family").GetString() == "ip");
        var chain = objs.Single(o => o.TryGetProperty("chain", out var c) && c.GetProperty("name").GetString() == "nat-prerouting").GetProperty("chain");
        Assert.Equal("nat", chain.GetProperty("type").GetString());
        Assert.Equal("prerouting", chain.GetProperty("hook").GetString());
        Assert.Equal(-100, chain.GetProperty("prio").GetInt32());
        var map = objs.Single(o => o.TryGetProperty("map", out var m) && m.GetProperty("name").GetString() == "service-ips").GetProperty("map");
        Assert.Equal(["ipv4_addr", "inet_proto", "inet_service"], map.GetProperty("type").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("verdict", map.GetProperty("map").GetString());

        // And as text: the rules read as we meant them.
        var text = ns.Exec("nft", "list", "ruleset");
        Assert.Contains("ip daddr . meta l4proto . th dport vmap @service-ips", text);
        Assert.Contains("10.96.0.1 . tcp . 80 : goto ep-1", text);
        Assert.Contains("dnat to 10.0.1.2:8080", text);
        Assert.Contains("comment \"endpoint 10.0.1.2:8080\"", text);
        Assert.Contains("10.0.0.0/8", text);
        Assert.Contains("192.168.1.0/24", text);
        Assert.Contains("timeout 3h", text);

        // Our dump finds the same objects.
        var state = nft.List(Table)!;
        Assert.Equal(["ep-1", "nat-output", "nat-prerouting", "services"], state.Chains.Keys.Order().ToArray());
        Assert.Equal(NftHook.Prerouting, state.Chains["nat-prerouting"].Base!.Hook);
        Assert.Equal("service dispatch", state.Chains["services"].Comment);
        Assert.Equal(ServiceMap.Key, state.Sets["service-ips"].Key);
        Assert.Equal(NftDataType.Verdict, state.Sets["service-ips"].Data);
        Assert.Equal("ClusterIP services", state.Sets["service-ips"].Comment);
        var el = Assert.Single(state.Elements["service-ips"]);
        Assert.Equal(NftKey.AddrProtoPort(IPAddress.Parse("10.96.0.1"), NftKey.Tcp, 80), el.Key);
        Assert.Equal(NftVerdict.Goto("ep-1"), el.Verdict);
        var epRule = Assert.Single(state.RulesOf("ep-1"));
        Assert.Equal("endpoint 10.0.1.2:8080", epRule.Comment);
        Assert.Equal(["counter", "immediate", "immediate", "nat"], epRule.ExpressionNames);
        Assert.True(epRule.Handle > 0);
        Assert.Equal(TimeSpan.FromHours(3), state.Sets["affinity"].Timeout);
        Assert.Null(nft.List(new NftTable(NftFamily.Ip, "absent")));
    }

    [Fact]
    public void AFailingChangeNamesTheObjectAndNothingIsApplied()
    {
        using var ns = new TestNetns();
        using var nft = new NftClient(ns.Name);
        var tx = Skeleton().AddRule(Table, "missing-chain", null, NftMatch.Accept);
        var ex = Assert.Throws<NftablesException>(() => nft.Apply(tx));
        Assert.Equal($"could not add rule to chain \"missing-chain\" of table ip podnet in {ns.Name}: No such file or directory (ENOENT)", ex.Message);
        Assert.Equal(2, ex.Errno);
        Assert.DoesNotContain("podnet", ns.Exec("nft", "list", "ruleset"));

        // A jump to a chain that does not exist fails the same way, naming the rule's chain.
        var tx2 = Skeleton().AddRule(Table, "services", null, NftMatch.Jump("nowhere"));
        ex = Assert.Throws<NftablesException>(() => nft.Apply(tx2));
        Assert.StartsWith($"could not add rule to chain \"services\" of table ip podnet in {ns.Name}:", ex.Message);
        Assert.Equal("", ns.Exec("nft", "list", "ruleset").Trim());

        // An element for a map that does not exist.
        nft.Apply(Skeleton());
        var before = ns.Exec("nft", "list", "ruleset");
        var tx3 = new NftTransaction()
            .AddChain(new NftChain(Table, "ep-x"))
            .AddElements(Table, "no-such-map", [Svc("10.96.0.9", NftKey.Udp, 53, "ep-x")]);
        ex = Assert.Throws<NftablesException>(() => nft.Apply(tx3));
        Assert.Contains("to set \"no-such-map\" of table ip podnet", ex.Message);
        Assert.Contains("(ENOENT)", ex.Message);
        Assert.Equal(before, ns.Exec("nft", "list", "ruleset"));

        // A verdict element pointing at a missing chain.
        var tx4 = new NftTransaction().AddElements(Table, "service-ips", [Svc("10.96.0.9", NftKey.Udp, 53, "ep-missing")]);
        ex = Assert.Throws<NftablesException>(() => nft.Apply(tx4));
        Assert.Contains("service-ips", ex.Message);
        Assert.Equal(before, ns.Exec("nft", "list", "ruleset"));
    }

    [Fact]
    public void IncrementalChangesDeletesAndIdempotentAdds()
    {
        using var ns = new TestNetns();
        using var nft = new NftClient(ns.Name);
        nft.Apply(Skeleton()
            .AddChain(new NftChain(Table, "ep-a")).AddChain(new NftChain(Table, "ep-b"))
            .AddRule(Table, "ep-a", null, NftMatch.Accept)
            .AddElements(Table, "service-ips", [Svc("10.96.0.1", NftKey.Tcp, 80, "ep-a"), Svc("10.96.0.2", NftKey.Udp, 53, "ep-b")]));
        // Re-adding the table, chains and set is harmless (like `nft add`).
        nft.Apply(new NftTransaction().AddTable(Table).AddChain(new NftChain(Table, "services")).AddSet(ServiceMap));

        // Move one element to another chain (delete + add in one transaction), drop the other, flush a chain.
        nft.Apply(new NftTransaction()
            .DeleteElements(Table, "service-ips", [Svc("10.96.0.1", NftKey.Tcp, 80, "ep-a"), Svc("10.96.0.2", NftKey.Udp, 53, "ep-b")])
            .AddElements(Table, "service-ips", [Svc("10.96.0.1", NftKey.Tcp, 80, "ep-b")])
            .FlushChain(Table, "ep-a")
            .DeleteChain(Table, "ep-a"));
        var state = nft.List(Table)!;
        var el = Assert.Single(state.Elements["service-ips"]);
        Assert.Equal(NftVerdict.Goto("ep-b"), el.Verdict);
        Assert.False(state.Chains.ContainsKey("ep-a"));

        // Deleting what is not there fails and names it; "if exists" tolerates it.
        var ex = Assert.Throws<NftablesException>(() => nft.Apply(new NftTransaction().DeleteChain(Table, "ep-a")));
        Assert.Equal($"could not delete chain \"ep-a\" of table ip podnet in {ns.Name}: No such file or directory (ENOENT)", ex.Message);
        nft.Apply(new NftTransaction().DeleteChain(Table, "ep-a", ifExists: true)
            .DeleteElements(Table, "service-ips", [Svc("10.96.9.9", NftKey.Tcp, 1, "ep-b")], ifExists: true));

        // Delete a rule by handle.
        var dispatch = Assert.Single(nft.List(Table)!.RulesOf("services"));
        nft.Apply(new NftTransaction().DeleteRule(Table, "services", dispatch.Handle));
        Assert.Empty(nft.List(Table)!.RulesOf("services"));

        // A chain still referenced by a map element cannot go (EBUSY) and the whole batch stays out.
        ex = Assert.Throws<NftablesException>(() => nft.Apply(new NftTransaction().AddChain(new NftChain(Table, "ep-c")).DeleteChain(Table, "ep-b")));
        Assert.Contains("delete chain \"ep-b\"", ex.Message);
        Assert.False(nft.List(Table)!.Chains.ContainsKey("ep-c"));

        nft.Apply(new NftTransaction().DeleteTable(Table));
        Assert.Null(nft.List(Table));
        nft.Apply(new NftTransaction().DeleteTable(Table, ifExists: true));
    }

    [Fact]
    public void VerdictMapDnatAndMasqueradeCarryRealConnections()
    {
        using var net = new ThreeHop();
        Assert.Equal("10.0.0.1 10.0.1.2", net.Connect("10.0.1.2", 8080));
        Assert.Null(net.Connect("10.96.0.1", 80)); // no service yet: nothing answers

        using var nft = new NftClient(net.Router.Name);
        // Two endpoints (a second address on the server) behind one ClusterIP, chosen by numgen.
        net.Server.Exec("ip", "addr", "add", "10.0.1.3/24", "dev", net.Server.Exec("ip", "-o", "link", "show", "type", "veth").Split(':')[1].Trim().Split('@')[0]);
        nft.Apply(Skeleton()
            .AddChain(new NftChain(Table, "svc-web"))
            .AddChain(new NftChain(Table, "ep-1")).AddChain(new NftChain(Table, "ep-2"))
            .AddRule(Table, "ep-1", null, NftMatch.DnatTo(IPAddress.Parse("10.0.1.2"), 8080))
            .AddRule(Table, "ep-2", null, NftMatch.DnatTo(IPAddress.Parse("10.0.1.3"), 8080))
            .AddRule(Table, "svc-web", null, new NftNumgen(2), NftInlineVmap.ByIndex([NftVerdict.Goto("ep-1"), NftVerdict.Goto("ep-2")]))
            .AddElements(Table, "service-ips", [Svc("10.96.0.1", NftKey.Tcp, 80, "svc-web")]));
        var svcText = net.Router.Exec("nft", "list", "chain", "ip", "podnet", "svc-web");
        Assert.True(svcText.Contains("numgen random mod 2 vmap { 0 : goto ep-1, 1 : goto ep-2 }"), svcText);

        var seen = new HashSet<string>();
        for (int i = 0; i < 40 && seen.Count < 2; i++)
        {
            var r = net.Connect("10.96.0.1", 80);
            Assert.NotNull(r);
            Assert.StartsWith("10.0.0.1 ", r); // no masquerade: the server sees the client
            seen.Add(r!.Split(' ')[1]);
        }
        Assert.Equal(["10.0.1.2", "10.0.1.3"], seen.Order().ToArray());

        // Masquerade per "container" through NftIpMasq: the server now sees the router's address.
        var masq = new NftIpMasq(nft);
        masq.Ensure(IPAddress.Parse("10.0.0.1"), [IPNetwork.Parse("10.0.0.0/24")], "container-1");
        masq.Ensure(IPAddress.Parse("10.0.0.1"), [IPNetwork.Parse("10.0.0.0/24")], "container-1"); // idempotent
        Assert.Contains("ip saddr 10.0.0.1 ip daddr != 10.0.0.0/24 masquerade comment \"container-1\"", net.Router.Exec("nft", "list", "table", "ip", "podnet-masq"));
        Assert.Single(nft.List(masq.TableFor(IPAddress.Parse("10.0.0.1")))!.RulesOf(NftIpMasq.Chain));
        Assert.Equal("10.0.1.1 10.0.1.2", net.Connect("10.0.1.2", 8080));

        Assert.True(masq.Remove("container-1"));
        Assert.False(masq.Remove("container-1"));
        Assert.Equal("10.0.0.1 10.0.1.2", net.Connect("10.0.1.2", 8080));

        // Remove the service element: the ClusterIP stops answering.
        nft.Apply(new NftTransaction().DeleteElements(Table, "service-ips", [Svc("10.96.0.1", NftKey.Tcp, 80, "svc-web")]));
        Assert.Null(net.Connect("10.96.0.1", 80));
    }

    [Fact]
    public void LargeTransactionGoesOutAsOneBatch()
    {
        using var ns = new TestNetns();
        using var nft = new NftClient(ns.Name);
        const int n = 5000;
        var tx = Skeleton();
        var elements = new List<NftElement>();
        for (int i = 0; i < n; i++)
        {
            var chain = $"svc-{i}";
            tx.AddChain(new NftChain(Table, chain));
            tx.AddRule(Table, chain, $"svc {i}", NftMatch.DnatTo(new IPAddress([10, 244, (byte)(i / 250), (byte)(i % 250 + 2)]), 8080));
            elements.Add(Svc($"10.96.{i / 250}.{i % 250 + 1}", NftKey.Tcp, 80, chain));
        }
        tx.AddElements(Table, "service-ips", elements);
        nft.Apply(tx);
        var state = nft.List(Table)!;
        Assert.Equal(n, state.Elements["service-ips"].Count);
        Assert.Equal(n + 3, state.Chains.Count);
    }
}
