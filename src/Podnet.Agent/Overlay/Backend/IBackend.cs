using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux;

namespace Podnet.Agent.Overlay.Backend;

/// <summary>
/// A way to carry pod traffic between nodes (flannel's Backend). Life cycle: <see cref="Prepare"/>
/// creates or adopts the device and says what the lease must advertise; once the lease is held,
/// <see cref="Start"/> gives the <see cref="INetwork"/> that programs routes for remote leases.
/// Kernel state survives <see cref="IDisposable.Dispose"/>: a restarted agent adopts it.
/// </summary>
public interface IBackend : IDisposable
{
    string Type { get; }

    /// <summary>Creates or adopts the backend's device; returns the lease attributes and pod MTU.</summary>
    BackendAttrs Prepare();

    /// <summary>Configures the device for our own lease and starts the datapath.</summary>
    INetwork Start(SubnetLease own);
}

/// <summary>What a backend contributes to our lease, the MTU pods must use, and the largest GSO
/// super-packet pods may build (BIG TCP above 64 KiB): no larger than every device on the path
/// carries, or the stack would segment in software where the path narrows.</summary>
public sealed record BackendAttrs(int PodMtu, MacAddress? VtepMac = null, int PodGsoMaxSize = Underlay.LegacyGsoMaxSize);

/// <summary>
/// The running network of one backend (flannel's Network). <see cref="Reconcile"/> is
/// level-triggered: it gets every live remote lease and makes kernel state match, adding what is
/// missing, repairing what differs and removing what no lease asks for — never flushing.
/// </summary>
public interface INetwork : IDisposable
{
    SubnetLease Own { get; }

    /// <summary>Makes routes/neighbours/FDB match <paramref name="remotes"/>; returns per-lease
    /// problems (e.g. a host-gw peer that is not L2-adjacent) without stopping on them.</summary>
    IReadOnlyList<string> Reconcile(IReadOnlyCollection<SubnetLease> remotes);
}
