using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Forward;
using Podnet.Dns.Metrics;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Server;

/// <summary>UDP and TCP listeners on one address and port, sharing the zone and the forwarder.</summary>
public sealed class DnsServer : IDisposable
{
    private readonly UdpListener _udp;
    private readonly DnsTcpListener _tcp;
    private readonly CancellationTokenSource _cts = new();

    public IPEndPoint LocalEndPoint => _udp.LocalEndPoint;
    public DnsMetrics Metrics { get; }
    public ZoneHolder Zone { get; }

    public DnsServer(IPEndPoint listen, ZoneHolder zone, DnsMetrics metrics, Forwarder? forwarder, int udpWorkers = 0)
    {
        Zone = zone;
        Metrics = metrics;
        var processor = new QueryProcessor(zone, metrics, forwarder is { HasUpstreams: true });
        var fwd = forwarder is { HasUpstreams: true } ? new ForwardHandler(forwarder, metrics) : null;
        var workers = udpWorkers > 0 ? udpWorkers : Environment.ProcessorCount;
        // With port 0 the kernel picks a port that is free for UDP only; a TCP socket may hold the same
        // number, so a kernel-chosen pair is tried again (a fixed port's error goes to the caller).
        for (var attempt = 1; ; attempt++)
        {
            _udp = new UdpListener(listen, workers, processor, fwd, _cts.Token);
            try { _tcp = new DnsTcpListener(_udp.LocalEndPoint, processor, fwd, _cts.Token); return; }
            catch (InvalidOperationException e) when (listen.Port == 0 && attempt < 8 &&
                e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            { _udp.Dispose(); }
            catch { _udp.Dispose(); throw; }
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        _cts.Dispose();
    }
}
