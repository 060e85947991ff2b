using System.Buffers.Binary;
using System.Net.Sockets;
using Podnet.Dns.Client;
using Podnet.Dns.Metrics;
using Podnet.Dns.Server;
using Podnet.Dns.Wire;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Tests;

/// <summary>Malformed queries get FORMERR/NOTIMP or are dropped; the server never crashes, hangs or stops answering.</summary>
public sealed class MalformedTests
{
    private static readonly QueryProcessor Processor =
        new(new ZoneHolder(ZoneBuilder.Build(new ZoneOptions(), SampleCluster.State())), new DnsMetrics(), canForward: false);

    private static byte[] Header(ushort flags, int qd, int an = 0, int ns = 0, int ar = 0)
    {
        var h = new byte[12];
        DnsHeader.SetId(h, 0x1234);
        DnsHeader.SetFlags(h, flags);
        DnsHeader.SetCounts(h, qd, an, ns, ar);
        return h;
    }

    private static byte[] Q(byte[] header, byte[] name, ushort type = RecordType.A, ushort cls = RecordClass.IN, byte[]? tail = null)
    {
        var t = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(t, type);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), cls);
        return [.. header, .. name, .. t, .. tail ?? []];
    }

    private static readonly byte[] Coffee = DnsName.FromText("coffee.default.svc.cluster.local");
    private static readonly byte[] Opt = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0];

    public static TheoryData<string, byte[], int> Cases()
    {
        byte[] long64 = [64, .. Enumerable.Repeat((byte)'a', 64), 0];
        var name256 = Enumerable.Range(0, 5).SelectMany(_ => (byte[])[50, .. Enumerable.Repeat((byte)'b', 50)]).Append((byte)0).ToArray(); // 256 bytes
        var d = new TheoryData<string, byte[], int>
        {
            { "no question", Header(0x0100, 0), RCode.FormErr },
            { "two questions", [.. Q(Header(0x0100, 2), Coffee), .. Coffee, 0, 1, 0, 1], RCode.FormErr },
            { "question cut short", Q(Header(0x0100, 1), Coffee)[..^2], RCode.FormErr },
            { "name runs past the end", [.. Header(0x0100, 1), 6, (byte)'c', (byte)'o'], RCode.FormErr },
            { "label longer than 63", Q(Header(0x0100, 1), long64), RCode.FormErr },
            { "name longer than 255", Q(Header(0x0100, 1), name256), RCode.FormErr },
            { "compression loop", Q(Header(0x0100, 1), [0xC0, 12]), RCode.FormErr },
            { "forward pointer", Q(Header(0x0100, 1), [0xC0, 40]), RCode.FormErr },
            { "pointer into the header", Q(Header(0x0100, 1), [0xC0, 2]), RCode.FormErr },
            { "reserved label type", Q(Header(0x0100, 1), [0x80, 0]), RCode.FormErr },
            { "trailing garbage", Q(Header(0x0100, 1), Coffee, tail: [1, 2, 3]), RCode.FormErr },
            { "additional count without records", Q(Header(0x0100, 1, ar: 1), Coffee), RCode.FormErr },
            { "two OPT records", Q(Header(0x0100, 1, ar: 2), Coffee, tail: [.. Opt, .. Opt]), RCode.FormErr },
            { "OPT not owned by the root", Q(Header(0x0100, 1, ar: 1), Coffee, tail: [1, (byte)'x', 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]), RCode.FormErr },
            { "OPT as question type", Q(Header(0x0100, 1), Coffee, RecordType.OPT), RCode.FormErr },
            { "oversized message", [.. Q(Header(0x0100, 1), Coffee), .. new byte[5000]], RCode.FormErr },
            { "opcode UPDATE", Q(Header(0x2800, 1), Coffee), RCode.NotImp },
            { "opcode STATUS", Q(Header(0x1000, 1), Coffee), RCode.NotImp },
            { "class CHAOS", Q(Header(0x0100, 1), Coffee, cls: RecordClass.CH), RCode.NotImp },
            { "class 77", Q(Header(0x0100, 1), Coffee, cls: 77), RCode.NotImp },
            { "AXFR", Q(Header(0x0100, 1), Coffee, RecordType.AXFR), RCode.NotImp },
            { "EDNS version 1", Q(Header(0x0100, 1, ar: 1), Coffee, tail: [0, 0, 41, 0x10, 0, 0, 1, 0, 0, 0, 0]), RCode.BadVers },
        };
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MalformedQueriesGetAnErrorCode(string what, byte[] query, int rcode)
    {
        var resp = new byte[DnsLimits.MaxMessage];
        var outcome = Processor.Process(query, resp, true, out int len, out _);
        Assert.True(outcome == Outcome.Respond, what);
        var m = DnsMessage.Parse(resp.AsSpan(0, len));
        Assert.Equal(rcode, m.Rcode);
        Assert.Equal(0x1234, m.Id);
        Assert.True((m.Flags & DnsHeader.FlagQr) != 0);
        Assert.Empty(m.Answers);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    public void ShortPacketsAndResponsesAreDropped(int size)
    {
        var resp = new byte[DnsLimits.MaxMessage];
        Assert.Equal(Outcome.Drop, Processor.Process(new byte[size], resp, true, out _, out _));
        var response = Q(Header(0x8100, 1), Coffee); // QR set: answering would allow reflection loops
        Assert.Equal(Outcome.Drop, Processor.Process(response, resp, true, out _, out _));
    }

    [Fact]
    public void UnknownTypeInTheZoneIsNoData()
    {
        var resp = new byte[DnsLimits.MaxMessage];
        Processor.Process(Q(Header(0x0100, 1), Coffee, 65000), resp, true, out int len, out _);
        var m = DnsMessage.Parse(resp.AsSpan(0, len));
        Assert.Equal((RCode.NoError, 0, 1), (m.Rcode, m.Answers.Count, m.Authority.Count));
    }

    [Fact]
    public void HundredsOfThousandsOfRandomAndMutatedPacketsNeverThrow()
    {
        var rng = new Random(20261122);
        var resp = new byte[DnsLimits.MaxMessage];
        var seeds = new[]
        {
            DnsClient.BuildQuery("coffee.default.svc.cluster.local", RecordType.A, 1),
            DnsClient.BuildQuery("_pg._tcp.db.default.svc.cluster.local", RecordType.SRV, 2, edns: true),
            DnsClient.BuildQuery("10-1-2-3.default.pod.cluster.local", RecordType.A, 3),
            DnsClient.BuildQuery("20.0.96.10.in-addr.arpa", RecordType.PTR, 4),
        };
        int answered = 0;
        for (int i = 0; i < 300_000; i++)
        {
            byte[] pkt = i % 3 == 0 ? RandomBytes(rng, rng.Next(0, 600)) : Mutate(rng, seeds[i % seeds.Length]);
            if (Processor.Process(pkt, resp, true, out int len, out _) == Outcome.Respond)
            {
                answered++;
                Assert.InRange(len, 12, DnsLimits.MaxUdpPayload);
                DnsMessage.Parse(resp.AsSpan(0, len)); // what we send is always well-formed
            }
        }
        Assert.True(answered > 10_000, $"only {answered} packets were answered");
    }

    internal static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    internal static byte[] Mutate(Random rng, byte[] seed)
    {
        var b = (byte[])seed.Clone();
        switch (rng.Next(4))
        {
            case 0: // flip a few bytes
                for (int k = rng.Next(1, 4); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return b;
            case 1: // truncate
                return b[..rng.Next(b.Length)];
            case 2: // extend with junk
                return [.. b, .. RandomBytes(rng, rng.Next(1, 64))];
            default: // plant a compression pointer somewhere
                int at = rng.Next(12, b.Length - 1);
                b[at] = (byte)(0xC0 | rng.Next(0, 0x40));
                b[at + 1] = (byte)rng.Next(256);
                return b;
        }
    }

    [Fact]
    public async Task ServerSurvivesThousandsOfBadPacketsOverUdpAndTcp()
    {
        await using var s = TestServer.Start(SampleCluster.State());
        var rng = new Random(7);
        using (var udp = new Socket(s.Endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp))
        {
            udp.Connect(s.Endpoint);
            var seed = DnsClient.BuildQuery("coffee.default.svc.cluster.local", RecordType.A, 9);
            for (int i = 0; i < 5000; i++)
            {
                udp.Send(i % 2 == 0 ? RandomBytes(rng, rng.Next(0, 1500)) : Mutate(rng, seed));
                if (i % 200 == 0) await Task.Delay(1); // bounded rate: a burst, not a flood
            }
        }
        // TCP: a length prefix promising more than is sent, garbage, and an immediate close.
        for (int i = 0; i < 50; i++)
        {
            using var tcp = new Socket(s.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await tcp.ConnectAsync(s.Endpoint);
            await tcp.SendAsync(i % 2 == 0 ? new byte[] { 0xFF, 0xFF, 1, 2, 3 } : [0, 20, .. RandomBytes(rng, 20)]);
        }
        var m = await s.Query("coffee.default.svc.cluster.local", RecordType.A);
        Assert.Equal("10.96.0.20", Assert.Single(m.Answers).Data);
        var t = await s.Query("coffee.default.svc.cluster.local", RecordType.A, tcp: true);
        Assert.Equal("10.96.0.20", Assert.Single(t.Answers).Data);
        Assert.True(s.Host.Metrics.RcodeCount(RCode.FormErr) > 100);
    }

    [Fact]
    public async Task TcpConnectionsOverTheLimitAreClosedAndCountedAsDropped()
    {
        await using var s = TestServer.Start(SampleCluster.State());
        var held = new List<Socket>();
        try
        {
            // 256 idle connections take every slot (each is kept until its idle timeout, 10 s).
            for (int i = 0; i < 256; i++)
            {
                var c = new Socket(s.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                held.Add(c);
                await c.ConnectAsync(s.Endpoint);
            }
            using var extra = new Socket(s.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await extra.ConnectAsync(s.Endpoint);
            int n = await extra.ReceiveAsync(new byte[2], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(0, n); // closed by the server without an answer
            Assert.Contains("\npodnet_dns_dropped_total 1\n", s.Host.Metrics.Render());
        }
        finally { foreach (var c in held) c.Dispose(); }
        // A slot frees when a connection closes: TCP answers again.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        DnsMessage? t = null;
        while (t is null && DateTime.UtcNow < deadline)
        {
            try { t = await s.Query("coffee.default.svc.cluster.local", RecordType.A, tcp: true); }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException) { await Task.Delay(50); }
        }
        Assert.Equal("10.96.0.20", Assert.Single(t!.Answers).Data);
    }
}
