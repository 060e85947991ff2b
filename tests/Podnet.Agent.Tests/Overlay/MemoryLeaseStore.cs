using System.Net;
using Podnet.Agent.Overlay.Subnet;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>An in-memory <see cref="ILeaseStore"/> with the same conditional-write rules as the API
/// (create fails if present, update fails unless the version matches) for the pure-logic tests.</summary>
public sealed class MemoryLeaseStore : ILeaseStore
{
    private readonly Dictionary<IPNetwork, SubnetLease> _items = new();
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called before every write; tests use it to interleave a competing writer.</summary>
    public Action<SubnetLease>? BeforeWrite { get; set; }

    public int Writes { get; private set; }

    private readonly Dictionary<IPNetwork, int> _unlisted = new();

    /// <summary>The next <paramref name="lists"/> lists leave <paramref name="subnet"/> out, as the API
    /// server's lists do for a write it has accepted but not yet made durable.</summary>
    public void HideFromLists(IPNetwork subnet, int lists)
    {
        lock (_items) _unlisted[subnet] = lists;
    }

    public int Lists { get; private set; }

    public Task<IReadOnlyList<SubnetLease>> ListAsync(CancellationToken ct)
    {
        lock (_items)
        {
            Lists++;
            var list = _items.Values.Where(l => !_unlisted.ContainsKey(l.Subnet)).ToList();
            foreach (var (s, n) in _unlisted.ToList())
                if (n <= 1) _unlisted.Remove(s); else _unlisted[s] = n - 1;
            return Task.FromResult<IReadOnlyList<SubnetLease>>(list);
        }
    }

    public Task<SubnetLease?> GetAsync(IPNetwork subnet, CancellationToken ct)
    {
        lock (_items) return Task.FromResult(_items.GetValueOrDefault(subnet));
    }

    public Task<SubnetLease> CreateAsync(SubnetLease lease, CancellationToken ct)
    {
        Intercept(lease);
        lock (_items)
        {
            if (_items.ContainsKey(lease.Subnet)) throw new LeaseConflictException($"{lease.Subnet} exists");
            return Task.FromResult(Store(lease));
        }
    }

    public Task<SubnetLease> UpdateAsync(SubnetLease lease, CancellationToken ct)
    {
        Intercept(lease);
        lock (_items)
        {
            if (!_items.TryGetValue(lease.Subnet, out var cur) || cur.ResourceVersion != lease.ResourceVersion)
                throw new LeaseConflictException($"{lease.Subnet} changed");
            return Task.FromResult(Store(lease));
        }
    }

    /// <summary>Direct write without preconditions (what a buggy or foreign writer would do).</summary>
    public SubnetLease Put(SubnetLease lease)
    {
        lock (_items) return Store(lease);
    }

    public void Remove(IPNetwork subnet)
    {
        lock (_items) { _items.Remove(subnet); Signal(); }
    }

    public async Task WaitForChangeAsync(CancellationToken ct)
    {
        Task t;
        lock (_items) t = _changed.Task;
        await t.WaitAsync(ct);
    }

    private void Intercept(SubnetLease lease)
    {
        var hook = BeforeWrite;
        BeforeWrite = null; // once
        hook?.Invoke(lease);
    }

    private SubnetLease Store(SubnetLease lease)
    {
        var stored = lease with { ResourceVersion = (++_version).ToString() };
        _items[lease.Subnet] = stored;
        Writes++;
        Signal();
        return stored;
    }

    private void Signal()
    {
        var old = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }
}

/// <summary>A clock tests move by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
