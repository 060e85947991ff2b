using System.Net.Sockets;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux.Datapath;
using Podnet.Linux.Tun;

namespace Podnet.Agent.Overlay.Backend.Udp;

/// <summary>
/// udp: userspace encapsulation. Packets for remote subnets enter the persistent TUN device
/// <c>pn-tun0</c> and travel as UDP payloads (port 8285) to the owning node, which writes them
/// into its own TUN. Overhead 28 bytes (IPv4 + UDP), so pods get underlay MTU − 28. The TUN runs
/// with virtio-net headers and TSO/USO/checksum offload, so the stack hands over 64 KiB super-packets
/// instead of MTU-sized ones (see <see cref="UdpNetwork"/> for the wire format).
/// </summary>
public sealed class UdpBackend(BackendContext ctx) : IBackend
{
    public const string DeviceName = "pn-tun0";
    public const int Overhead = 28;
    private TunDevice? _tun;
    private UdpBatchSocket? _sock;

    public string Type => "udp";

    public BackendAttrs Prepare()
    {
        int mtu = ctx.Underlay.Mtu - Overhead;
        _tun = TunDevice.Open(ctx.Netns, DeviceName, persist: true, offload: true);
        _sock = ctx.Netns.Run(() => UdpBatchSocket.Bind(ctx.Underlay.Address, ctx.Config.Backend.Port, 16 << 20));
        var link = ctx.Rtnl.GetLink(DeviceName);
        if (link.Mtu != mtu) ctx.Rtnl.SetMtu(link, mtu);
        // The default 500 packets overflow in the time one batch is sent; drops make TCP back off.
        ctx.Rtnl.SetTxQueueLength(link, 10000);
        if (!link.IsUp) ctx.Rtnl.SetUp(link);
        ctx.Log($"udp backend: {DeviceName} mtu {mtu}, offloads 0x{_tun.Offloads:x}, listening on {ctx.Underlay.Address}:{ctx.Config.Backend.Port}");
        return new BackendAttrs(mtu);
    }

    public INetwork Start(SubnetLease own)
    {
        var rt = ctx.Rtnl;
        var link = rt.GetLink(DeviceName);
        foreach (var a in rt.ListAddresses(link.Index, AddressFamily.InterNetwork))
            if (!(a.Ip.Equals(own.Subnet.BaseAddress) && a.PrefixLength == 32)) rt.DeleteAddress(link.Index, a.Ip, a.PrefixLength);
        rt.AddAddress(link.Index, own.Subnet.BaseAddress, 32, ignoreExisting: true);
        // Super-packets need UDP GSO/GRO (kernel 5.0+); without them the TUN must not hand any out.
        int segment = ctx.Underlay.Mtu - Overhead;
        int err = _sock!.EnableSegmentation(segment);
        if (err != 0)
        {
            ctx.Log($"udp backend: UDP_SEGMENT/UDP_GRO refused ({Linux.Errno.Name(err)}); sending MTU-sized packets");
            segment = 0;
            _tun!.Dispose();
            _tun = TunDevice.Open(ctx.Netns, DeviceName, persist: true);
        }
        var net = new UdpNetwork(ctx, own, link.Index, _tun!, _sock!, segment);
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
