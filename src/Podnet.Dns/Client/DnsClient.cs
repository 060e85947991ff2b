using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Client;

/// <summary>A small stub resolver: builds queries and exchanges them over UDP or TCP. Used by the forwarder and the tests.</summary>
public static class DnsClient
{
    public static byte[] BuildQuery(string name, ushort type, ushort id, bool recursionDesired = true, bool edns = false, ushort udpPayload = DnsLimits.MaxUdpPayload, ushort cls = RecordClass.IN)
    {
        if (!DnsName.TryFromText(name, out var wire, out var error, lower: false)) throw new FormatException($"invalid DNS name \"{name}\": {error}");
        var buf = new byte[12 + wire.Length + 4 + (edns ? 11 : 0)];
        var w = new DnsWriter(buf, stackalloc ushort[0]);
        w.WriteHeader(id, recursionDesired ? DnsHeader.FlagRd : (ushort)0, 1, 0, 0, edns ? 1 : 0);
        w.Name(wire, compress: false);
        w.U16(type);
        w.U16(cls);
        if (edns) w.Opt(udpPayload, 0, false);
        return buf;
    }

    public static async Task<byte[]> ExchangeUdpAsync(EndPoint server, ReadOnlyMemory<byte> query, TimeSpan timeout, CancellationToken ct = default)
    {
        using var s = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await s.ConnectAsync(server, ct);
        await s.SendAsync(query, SocketFlags.None, ct);
        var buf = new byte[DnsLimits.MaxMessage];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(query.Span);
        while (true)
        {
            int n;
            try { n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            { throw new TimeoutException($"no UDP answer from {server} within {timeout.TotalMilliseconds} ms"); }
            // Connected socket: only the server can answer; still ignore stray datagrams with another ID.
            if (n >= 2 && BinaryPrimitives.ReadUInt16BigEndian(buf) == id) return buf[..n];
        }
    }

    public static async Task<byte[]> ExchangeTcpAsync(EndPoint server, ReadOnlyMemory<byte> query, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var s = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await s.ConnectAsync(server, cts.Token);
            var framed = new byte[2 + query.Length];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed.AsMemory(2));
            await s.SendAsync(framed, SocketFlags.None, cts.Token);
            var len = new byte[2];
            await ReadExactlyAsync(s, len, cts.Token);
            var msg = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
            await ReadExactlyAsync(s, msg, cts.Token);
            return msg;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no TCP answer from {server} within {timeout.TotalMilliseconds} ms");
        }
    }

    internal static async Task ReadExactlyAsync(Socket s, Memory<byte> buf, CancellationToken ct)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int n = await s.ReceiveAsync(buf[got..], SocketFlags.None, ct);
            if (n == 0) throw new IOException("connection closed before the whole DNS message arrived");
            got += n;
        }
    }

    /// <summary>Queries over UDP and, when the answer is truncated, again over TCP (what a stub resolver does).</summary>
    public static async Task<DnsMessage> QueryAsync(EndPoint server, string name, ushort type, bool tcp = false, bool edns = false, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var t = timeout ?? TimeSpan.FromSeconds(2);
        var q = BuildQuery(name, type, (ushort)Random.Shared.Next(1, 65536), edns: edns);
        if (!tcp)
        {
            var m = DnsMessage.Parse(await ExchangeUdpAsync(server, q, t, ct));
            if (!m.Truncated) return m;
        }
        return DnsMessage.Parse(await ExchangeTcpAsync(server, q, t, ct));
    }
}
