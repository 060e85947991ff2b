using Podnet.Agent.Overlay.Backend.HostGw;
using Podnet.Agent.Overlay.Backend.Udp;
using Podnet.Agent.Overlay.Backend.Vxlan;

namespace Podnet.Agent.Overlay.Backend;

/// <summary>Backend constructors by type name (flannel's registry).</summary>
public static class BackendRegistry
{
    private static readonly Dictionary<string, Func<BackendContext, IBackend>> Constructors = new()
    {
        ["vxlan"] = c => new VxlanBackend(c),
        ["host-gw"] = c => new HostGwBackend(c),
        ["udp"] = c => new UdpBackend(c),
    };

    public static IReadOnlyCollection<string> Types => Constructors.Keys;

    public static IBackend Create(BackendContext ctx) =>
        Constructors.TryGetValue(ctx.Config.Backend.Type, out var make)
            ? make(ctx)
            : throw new ArgumentException($"unknown backend \"{ctx.Config.Backend.Type}\" (known: {string.Join(", ", Constructors.Keys)})");
}
