using System.Net;
using Podnet.Agent.Overlay.Config;

namespace Podnet.Agent.Overlay.Subnet;

/// <summary>
/// Acquires, renews and releases this node's subnet lease. Every write is compare-and-swap on the
/// object's version, so two live nodes can never hold one subnet:
/// <list type="bullet">
/// <item>a free subnet is claimed by creating its object (AlreadyExists = someone was faster);</item>
/// <item>an expired lease of another node is taken over only by updating at the version we read
/// (so two nodes racing for it cannot both win);</item>
/// <item>a live lease of another node is never touched;</item>
/// <item>renewal writes at the version we last wrote: if anyone else wrote since (a takeover after
/// expiry — the flannel expired-lease-reuse case), renewal fails with
/// <see cref="LeaseLostException"/> and the caller stops using the subnet.</item>
/// </list>
/// </summary>
public sealed class LeaseManager(ILeaseStore store, NetworkConfig config, TimeProvider clock, TimeSpan ttl)
{
    private const int MaxAttempts = 40; // with the backoff: several seconds of lost races

    public TimeSpan Ttl => ttl;

    /// <summary>Acquires a lease for <paramref name="req"/>: our own live lease back if one exists,
    /// else a preferred subnet if free, else a random free one.</summary>
    public async Task<SubnetLease> AcquireAsync(LeaseRequest req, CancellationToken ct)
    {
        // Subnets we lost a conditional write on, with the version we had read (null: absent).
        // The winner's write can be accepted before a list shows it (the API server acknowledges
        // and publishes a write only after its fsync), so a re-read may still show the subnet as
        // we saw it; trying it again would just lose again and burn an attempt.
        var lost = new Dictionary<IPNetwork, string?>();
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (attempt > 0) await Backoff(attempt, ct);
            var all = await store.ListAsync(ct);
            var now = clock.GetUtcNow();

            // Ours already (restart): renew at its version and keep it. Expired-but-ours counts
            // too: nobody has written it since, which the CAS proves.
            foreach (var mine in all.Where(l => l.Node == req.Node && config.IsLeasable(l.Subnet))
                         .OrderByDescending(l => l.Expiration))
            {
                try { return await store.UpdateAsync(Fill(mine, req, now), ct); }
                catch (LeaseConflictException) { }
            }

            var byName = all.ToDictionary(l => l.Subnet);
            foreach (var (s, version) in lost.ToList())
                if (byName.TryGetValue(s, out var seen) && seen.ResourceVersion != version) lost.Remove(s); // the list caught up
            var candidates = new List<IPNetwork>();
            foreach (var p in req.Preferred)
                if (config.IsLeasable(p) && !candidates.Contains(p)) candidates.Add(p);
            candidates.AddRange(FreeSubnets(byName, now));
            candidates.RemoveAll(lost.ContainsKey);
            if (candidates.Count == 0)
            {
                if (lost.Count > 0) continue; // only subnets whose winners are not listed yet: wait for them
                throw new InvalidOperationException(
                    $"no free subnet in {config.Network} between {config.SubnetMin} and {config.SubnetMax} (/{config.SubnetLen}): all {config.SubnetCount} are leased");
            }

            foreach (var subnet in candidates)
            {
                byName.TryGetValue(subnet, out var existing);
                if (existing is not null && existing.IsLive(now) && existing.Node != req.Node) continue; // someone else's
                try
                {
                    return existing is null
                        ? await store.CreateAsync(New(subnet, req, now), ct)
                        : await store.UpdateAsync(Fill(existing, req, now), ct); // expired: CAS takeover
                }
                catch (LeaseConflictException)
                {
                    lost[subnet] = existing?.ResourceVersion;
                    break; // lost a race: re-read everything
                }
            }
        }
        throw new InvalidOperationException($"could not acquire a subnet of {config.Network} for node {req.Node}: lost {MaxAttempts} races in a row (still waiting to see the winners of {string.Join(", ", lost.Keys)})");
    }

    /// <summary>A short random pause before re-reading after a lost race (1–2^attempt ms, at most
    /// 100 ms), so racing claimers spread out and an in-flight write has time to become visible.
    /// Real time on purpose: the lease clock may be a test's manual one.</summary>
    private static Task Backoff(int attempt, CancellationToken ct) =>
        Task.Delay(Random.Shared.Next(1, Math.Min(100, 1 << Math.Min(attempt, 7)) + 1), ct);

    /// <summary>Extends <paramref name="lease"/> by the TTL. Throws <see cref="LeaseLostException"/>
    /// when another node has written the subnet since we did (or ours expired and was reassigned).</summary>
    public async Task<SubnetLease> RenewAsync(SubnetLease lease, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        try
        {
            return await store.UpdateAsync(lease with { Expiration = now + ttl }, ct);
        }
        catch (LeaseConflictException)
        {
            var current = await store.GetAsync(lease.Subnet, ct);
            if (current is null)
            {
                // Deleted (e.g. by an operator): re-claim it the only safe way, by creating it.
                try { return await store.CreateAsync(lease with { Expiration = now + ttl, ResourceVersion = null }, ct); }
                catch (LeaseConflictException) { current = await store.GetAsync(lease.Subnet, ct); }
            }
            string holder = current is null ? "another node" : $"node {current.Node}";
            throw new LeaseLostException($"lease on {lease.Subnet} of node {lease.Node} was taken over by {holder} (our version {lease.ResourceVersion}, stored {current?.ResourceVersion ?? "none"}); stopping use of the subnet");
        }
    }

    /// <summary>Gives the subnet up: marks the lease expired with a CAS write, so it can only
    /// succeed while it is still ours. Returns false if it was no longer ours.</summary>
    public async Task<bool> ReleaseAsync(SubnetLease lease, CancellationToken ct)
    {
        try
        {
            await store.UpdateAsync(lease with { Expiration = DateTimeOffset.UnixEpoch }, ct);
            return true;
        }
        catch (LeaseConflictException) { return false; }
    }

    /// <summary>When to renew: half-way through the TTL.</summary>
    public DateTimeOffset RenewAt(SubnetLease lease) => lease.Expiration - ttl / 2;

    private SubnetLease New(IPNetwork subnet, LeaseRequest req, DateTimeOffset now) => new()
    {
        Subnet = subnet, Node = req.Node, PublicIp = req.PublicIp, BackendType = req.BackendType,
        VtepMac = req.VtepMac, Expiration = now + ttl,
    };

    private SubnetLease Fill(SubnetLease existing, LeaseRequest req, DateTimeOffset now) =>
        New(existing.Subnet, req, now) with { ResourceVersion = existing.ResourceVersion };

    /// <summary>Subnets without a live lease, in random order (spreads concurrent claimers apart).</summary>
    private List<IPNetwork> FreeSubnets(Dictionary<IPNetwork, SubnetLease> byName, DateTimeOffset now)
    {
        var free = new List<IPNetwork>();
        long n = config.SubnetCount;
        for (long i = 0; i < n && free.Count < 1024; i++)
        {
            var s = config.SubnetAt(i);
            if (!byName.TryGetValue(s, out var l) || !l.IsLive(now)) free.Add(s);
        }
        Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(free));
        return free;
    }
}
