using System.Net.Sockets;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux.Datapath;

namespace Podnet.Agent.Overlay.Backend.Udp;

/// <summary>
/// udp: userspace encapsulation. Packets for remote subnets enter the persistent TUN device
/// <c>pn-tun0</c> and travel as UDP payloads (port 8285) to the owning node, which writes them
/// into its own TUN. Overhead 28 bytes (IPv4 + UDP), so pods get underlay MTU − 28.
/// </summary>
public sealed class UdpBackend(BackendContext ctx) : IBackend
{
    public const string DeviceName = "pn-tun0";
    public const int Overhead = 28;
    private PersistentTun? _tun;
    private UdpBatchSocket? _sock;

    public string Type => "udp";

    public BackendAttrs Prepare()
    {
        int mtu = ctx.Underlay.Mtu - Overhead;
        _tun = ctx.Netns.Run(() => PersistentTun.Open(DeviceName, persist: true));
        _sock = ctx.Netns.Run(() => UdpBatchSocket.Bind(ctx.Underlay.Address, ctx.Config.Backend.Port));
        var link = ctx.Rtnl.GetLink(DeviceName);
        if (link.Mtu != mtu) ctx.Rtnl.SetMtu(link, mtu);
        // The default 500 packets overflow in the time one batch is sent; drops make TCP back off.
        ctx.Rtnl.SetTxQueueLength(link, 10000);
        if (!link.IsUp) ctx.Rtnl.SetUp(link);
        ctx.Log($"udp backend: {DeviceName} mtu {mtu}, listening on {ctx.Underlay.Address}:{ctx.Config.Backend.Port}");
        return new BackendAttrs(mtu);
    }

    public INetwork Start(SubnetLease own)
    {
        var rt = ctx.Rtnl;
        var link = rt.GetLink(DeviceName);
        foreach (var a in rt.ListAddresses(link.Index, AddressFamily.InterNetwork))
            if (!(a.Ip.Equals(own.Subnet.BaseAddress) && a.PrefixLength == 32)) rt.DeleteAddress(link.Index, a.Ip, a.PrefixLength);
        rt.AddAddress(link.Index, own.Subnet.BaseAddress, 32, ignoreExisting: true);
        var net = new UdpNetwork(ctx, own, link.Index, _tun!, _sock!);
        _tun = null;
        _sock = null; // owned by the network now
        return net;
    }

    public void Dispose()
    {
        _tun?.Dispose();
        _sock?.Dispose();
    }
}
