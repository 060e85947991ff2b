using System.Net;
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
        _udp = new UdpListener(listen, udpWorkers > 0 ? udpWorkers : Environment.ProcessorCount, processor, fwd, _cts.Token);
        try { _tcp = new DnsTcpListener(_udp.LocalEndPoint, processor, fwd, _cts.Token); }
        catch { _udp.Dispose(); throw; }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        _cts.Dispose();
    }
}
