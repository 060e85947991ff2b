using System.Net;
using System.Net.Sockets;
using Podnet.Linux;
using Podnet.Linux.Netlink;

namespace Podnet.Agent.Overlay.Backend.Vxlan;

/// <summary>
/// The node's VTEP (<c>pn-vxlan.&lt;vni&gt;</c>). <see cref="Ensure"/> adopts a matching device —
/// keeping its MAC, so remote FDB entries stay valid across restarts — and recreates one whose
/// parameters differ.
/// </summary>
public sealed class VxlanDevice(BackendContext ctx)
{
    /// <summary>Linux + IPv4 + UDP + VXLAN + inner Ethernet.</summary>
    public const int Overhead = 50;

    public string Name { get; } = NameFor(ctx.Config.Backend.Vni);
    public int Index { get; private set; }
    public MacAddress Mac { get; private set; }
    public int Mtu => ctx.Underlay.Mtu - Overhead;

    public static string NameFor(uint vni) => $"pn-vxlan.{vni}".Length <= 15 ? $"pn-vxlan.{vni}" : $"pn-vx.{vni}";

    public void Ensure()
    {
        var b = ctx.Config.Backend;
        var rt = ctx.Rtnl;
        var link = rt.FindLink(Name);
        if (link is not null && !Matches(link))
        {
            ctx.Log($"vxlan device {Name} has other parameters ({Describe(link)}); recreating it");
            rt.DeleteLink(Name);
            link = null;
        }
        if (link is null)
        {
            // Zero outer UDP checksum, as flannel's devices have and RFC 7348 recommends: the kernel's
            // default computes and verifies one per packet, ~10 % of vxlan throughput in bench/overlay.
            rt.AddVxlan(Name, b.Vni, b.Port, ctx.Underlay.Address, ctx.Underlay.Index, learning: false, mtu: Mtu, udpChecksum: false);
            link = rt.GetLink(Name);
            ctx.Log($"created vxlan device {Name} (VNI {b.Vni}, port {b.Port}, local {ctx.Underlay.Address}, mac {link.Mac}, mtu {Mtu})");
        }
        if (link.Mtu != Mtu) rt.SetMtu(link, Mtu);
        if (!link.IsUp) rt.SetUp(link);
        Index = link.Index;
        Mac = link.Mac ?? throw new InvalidOperationException($"vxlan device {Name} in {rt.Namespace} has no MAC address");
    }

    /// <summary>Gives the device exactly <paramref name="ip"/>/32 (the subnet's .0, as flannel does).</summary>
    public void EnsureAddress(IPAddress ip)
    {
        var rt = ctx.Rtnl;
        foreach (var a in rt.ListAddresses(Index, AddressFamily.InterNetwork))
            if (!(a.Ip.Equals(ip) && a.PrefixLength == 32)) rt.DeleteAddress(Index, a.Ip, a.PrefixLength);
        rt.AddAddress(Index, ip, 32, ignoreExisting: true);
    }

    private bool Matches(Link l) =>
        l.Kind == "vxlan" && l.Vxlan is { } v && v.Vni == ctx.Config.Backend.Vni && v.Port == ctx.Config.Backend.Port
        && Equals(v.Local, ctx.Underlay.Address) && (v.UnderlayIndex ?? 0) == ctx.Underlay.Index && !v.Learning;

    private static string Describe(Link l) => l.Vxlan is { } v
        ? $"kind {l.Kind}, VNI {v.Vni}, port {v.Port}, local {v.Local}, underlay #{v.UnderlayIndex}, learning {v.Learning}"
        : $"kind {l.Kind ?? "none"}";
}
