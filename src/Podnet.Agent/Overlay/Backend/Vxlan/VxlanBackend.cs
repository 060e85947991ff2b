using Podnet.Agent.Overlay.Subnet;

namespace Podnet.Agent.Overlay.Backend.Vxlan;

/// <summary>vxlan: kernel VXLAN encapsulation; the lease advertises our VTEP MAC.</summary>
public sealed class VxlanBackend(BackendContext ctx) : IBackend
{
    private readonly VxlanDevice _dev = new(ctx);

    public string Type => "vxlan";

    public BackendAttrs Prepare()
    {
        _dev.Ensure();
        // The vxlan device caps GSO at 64 KiB (no BIG TCP through it on 6.18): pods keep to what
        // both the device and the underlay carry.
        int gso = ctx.Rtnl.GetLink(_dev.Name).GsoIpv4MaxSize is > 0 and int g ? g : Underlay.LegacyGsoMaxSize;
        return new BackendAttrs(_dev.Mtu, _dev.Mac, Math.Min(gso, ctx.Underlay.GsoMaxSize));
    }

    public INetwork Start(SubnetLease own)
    {
        _dev.EnsureAddress(own.Subnet.BaseAddress);
        return new VxlanNetwork(ctx, _dev, own);
    }

    public void Dispose() { }
}
