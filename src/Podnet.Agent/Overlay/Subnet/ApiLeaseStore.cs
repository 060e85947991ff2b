using System.Net;
using Podnet.Api.Client;

namespace Podnet.Agent.Overlay.Subnet;

/// <summary>
/// Leases in the cluster API. Create maps AlreadyExists, update maps Conflict (stale
/// resourceVersion) and NotFound to <see cref="LeaseConflictException"/>: the API server's
/// optimistic concurrency is the compare-and-swap the lease rules rest on. Changes are noticed
/// through an informer on the SubnetLease collection.
/// </summary>
public sealed class ApiLeaseStore : ILeaseStore, IAsyncDisposable
{
    private readonly ApiClient _api;
    private readonly Action<string> _log;
    private Informer? _informer;
    private volatile TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ApiLeaseStore(ApiClient api, Action<string>? log = null)
    {
        _api = api;
        _log = log ?? (_ => { });
    }

    public async Task<IReadOnlyList<SubnetLease>> ListAsync(CancellationToken ct)
    {
        var list = await _api.ListAsync(LeaseJson.Resource, null, null, ct);
        var leases = new List<SubnetLease>(list.Items.Count);
        foreach (var o in list.Items)
        {
            if (LeaseJson.FromObject(o, out var problem) is { } l) leases.Add(l);
            else _log("ignoring malformed lease: " + problem);
        }
        return leases;
    }

    public async Task<SubnetLease?> GetAsync(IPNetwork subnet, CancellationToken ct)
    {
        var o = await _api.TryGetAsync(LeaseJson.Resource, null, LeaseJson.NameOf(subnet), ct);
        return o is null ? null : LeaseJson.FromObject(o, out _);
    }

    public async Task<SubnetLease> CreateAsync(SubnetLease lease, CancellationToken ct)
    {
        try { return Parse(await _api.CreateAsync(LeaseJson.ToObject(lease with { ResourceVersion = null }), ct: ct)); }
        catch (ApiException e) when (e.IsAlreadyExists || e.IsConflict)
        {
            throw new LeaseConflictException($"subnet {lease.Subnet} is already leased", e);
        }
    }

    public async Task<SubnetLease> UpdateAsync(SubnetLease lease, CancellationToken ct)
    {
        if (lease.ResourceVersion is null) throw new ArgumentException($"update of {lease} needs the resourceVersion it was read at");
        try { return Parse(await _api.UpdateAsync(LeaseJson.ToObject(lease), ct: ct)); }
        catch (ApiException e) when (e.IsConflict || e.IsNotFound)
        {
            throw new LeaseConflictException($"lease on {lease.Subnet} changed since version {lease.ResourceVersion}", e);
        }
    }

    public async Task WaitForChangeAsync(CancellationToken ct)
    {
        _informer ??= new Informer(_api, LeaseJson.Resource, _ => Signal())
        {
            OnError = e => _log("lease watch: " + e.Message),
        }.Start();
        await _changed.Task.WaitAsync(ct);
    }

    private void Signal()
    {
        var old = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }

    private static SubnetLease Parse(System.Text.Json.Nodes.JsonObject o) =>
        LeaseJson.FromObject(o, out var problem) ?? throw new InvalidOperationException("the API returned a malformed lease: " + problem);

    public async ValueTask DisposeAsync()
    {
        if (_informer is not null) await _informer.DisposeAsync();
    }
}
