using System.Buffers.Binary;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux.Datapath;
using Podnet.Linux.Interop;

namespace Podnet.Agent.Overlay.Backend.Udp;

/// <summary>
/// The udp datapath: one thread moves TUN → UDP (reads packets straight into send slots, one
/// sendmmsg per batch), one moves UDP → TUN (one recvmmsg per batch). Buffers are allocated once;
/// the per-packet path does a dictionary lookup and no allocation. Reconcile swaps the peer table
/// and keeps one route (the cluster network via pn-tun0).
/// </summary>
public sealed class UdpNetwork : INetwork
{
    private const int Batch = 64, Slot = 2048;
    private readonly BackendContext _ctx;
    private readonly int _tunIndex;
    private readonly PersistentTun _tun;
    private readonly UdpBatchSocket _sock;
    private readonly ushort _port;
    private readonly Thread _tx, _rx;
    private volatile PeerTable _peers;
    private volatile bool _stop;

    public UdpNetwork(BackendContext ctx, SubnetLease own, int tunIndex, PersistentTun tun, UdpBatchSocket sock)
    {
        _ctx = ctx;
        Own = own;
        _tunIndex = tunIndex;
        _tun = tun;
        _sock = sock;
        _port = ctx.Config.Backend.Port;
        _peers = new PeerTable(ctx.Config.SubnetLen, []);
        _tx = new Thread(TunToUdp) { IsBackground = true, Name = "pn-udp-tx" };
        _rx = new Thread(UdpToTun) { IsBackground = true, Name = "pn-udp-rx" };
        _tx.Start();
        _rx.Start();
    }

    public SubnetLease Own { get; }

    /// <summary>Packets dropped for lack of a peer, and datagrams from unknown sources.</summary>
    public long NoRoute => Interlocked.Read(ref _noRoute);
    public long Foreign => Interlocked.Read(ref _foreign);
    private long _noRoute, _foreign;

    public IReadOnlyList<string> Reconcile(IReadOnlyCollection<SubnetLease> remotes)
    {
        var problems = new List<string>();
        var udp = new List<SubnetLease>();
        foreach (var l in remotes)
        {
            if (l.BackendType == "udp") udp.Add(l);
            else problems.Add($"node {l.Node} ({l.Subnet}) uses backend {l.BackendType}; cannot reach it over udp");
        }
        _peers = new PeerTable(_ctx.Config.SubnetLen, udp);
        RouteReconciler.Reconcile(_ctx.Rtnl, _ctx.Config,
            [new Linux.Netlink.Route { Destination = _ctx.Config.Network, OutIndex = _tunIndex, Protocol = RouteReconciler.Protocol }]);
        return problems;
    }

    private void TunToUdp()
    {
        using var batch = new PacketBatch(Batch, Slot);
        try
        {
            while (!_stop)
            {
                if (!_tun.WaitReadable(200)) continue;
                var peers = _peers;
                int n = 0;
                while (n < Batch)
                {
                    var slot = batch.Slot(n);
                    int len = _tun.Read(slot);
                    if (len == 0) break;
                    if (len < 20 || slot[0] >> 4 != 4) continue; // IPv4 only
                    uint node = peers.NodeFor(BinaryPrimitives.ReadUInt32BigEndian(slot[16..]));
                    if (node == 0) { Interlocked.Increment(ref _noRoute); continue; }
                    batch.SetSend(n++, len, node, _port);
                }
                _sock.Send(batch, n);
            }
        }
        catch (Exception e) when (!_stop) { _ctx.Log("error: udp tx loop stopped: " + e.Message); }
    }

    private void UdpToTun()
    {
        using var batch = new PacketBatch(Batch, Slot);
        try
        {
            while (!_stop)
            {
                if (!_sock.WaitReadable(200)) continue;
                int n;
                while ((n = _sock.Receive(batch)) > 0)
                {
                    var peers = _peers;
                    for (int i = 0; i < n; i++)
                    {
                        int len = batch.Length(i);
                        if (!peers.IsPeer(batch.Address(i))) { Interlocked.Increment(ref _foreign); continue; }
                        var p = batch.Slot(i);
                        if (len < 20 || len > Slot || p[0] >> 4 != 4) continue;
                        _tun.Write(p[..len]);
                    }
                    if (n < Batch) break;
                }
            }
        }
        catch (Exception e) when (!_stop) { _ctx.Log("error: udp rx loop stopped: " + e.Message); }
    }

    public void Dispose()
    {
        _stop = true;
        _tx.Join();
        _rx.Join();
        _tun.Dispose();
        _sock.Dispose();
    }
}
