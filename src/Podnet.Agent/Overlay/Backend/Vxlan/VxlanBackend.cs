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
        return new BackendAttrs(_dev.Mtu, _dev.Mac);
    }

    public INetwork Start(SubnetLease own)
    {
        _dev.EnsureAddress(own.Subnet.BaseAddress);
        return new VxlanNetwork(ctx, _dev, own);
    }

    public void Dispose() { }
}
