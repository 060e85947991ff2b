using System.Net;

namespace Podnet.Agent.Overlay.Subnet;

/// <summary>
/// Where leases live: one object per subnet with an opaque version. The seam between the lease
/// logic and the cluster API (a fake implements it for the pure-logic tests).
/// Writes are conditional: <see cref="CreateAsync"/> fails with <see cref="LeaseConflictException"/>
/// when the subnet already has an object; <see cref="UpdateAsync"/> when the stored version is not
/// the lease's <see cref="SubnetLease.ResourceVersion"/> (or the object is gone).
/// </summary>
public interface ILeaseStore
{
    Task<IReadOnlyList<SubnetLease>> ListAsync(CancellationToken ct);
    Task<SubnetLease?> GetAsync(IPNetwork subnet, CancellationToken ct);
    Task<SubnetLease> CreateAsync(SubnetLease lease, CancellationToken ct);
    Task<SubnetLease> UpdateAsync(SubnetLease lease, CancellationToken ct);

    /// <summary>Completes (and restarts) whenever a lease may have changed; level-triggered hint for
    /// the watcher, which then lists. Throws on cancellation.</summary>
    Task WaitForChangeAsync(CancellationToken ct);
}

/// <summary>A conditional write lost a race: the subnet's object exists or changed since it was read.</summary>
public sealed class LeaseConflictException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Our lease was taken over by another node (or expired and was reassigned): stop using the subnet.</summary>
public sealed class LeaseLostException(string message) : Exception(message);
