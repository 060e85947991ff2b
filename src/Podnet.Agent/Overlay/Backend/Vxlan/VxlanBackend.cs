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
        // Pods stay at 64 KiB GSO even on a BIG TCP underlay. The kernel (6.18) lets a vxlan device
        // with a lower device take a larger size, but BIG TCP super-packets through it collapsed
        // to 0.2-0.6 Gbit/s in bench/overlay (vs 10 at 64 KiB), so it is not offered here.
        return new BackendAttrs(_dev.Mtu, _dev.Mac, Underlay.LegacyGsoMaxSize);
    }

    public INetwork Start(SubnetLease own)
    {
        _dev.EnsureAddress(own.Subnet.BaseAddress);
        return new VxlanNetwork(ctx, _dev, own);
    }

    public void Dispose() { }
}
