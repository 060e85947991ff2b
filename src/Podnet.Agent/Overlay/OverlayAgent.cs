using Podnet.Agent.Overlay.Backend;
using Podnet.Agent.Overlay.Node;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Agent.Overlay;

/// <summary>
/// flanneld's job on one node: prepare the backend, lease a subnet, write subnet.env and the CNI
/// conflist, masquerade egress, then keep routes in step with everyone else's leases and renew
/// ours. Losing our lease (another node took it over) ends the run with <see cref="LeaseLostException"/>
/// after removing subnet.env, so no new pod gets an address in a subnet that is not ours.
/// </summary>
public sealed class OverlayAgent : IAsyncDisposable
{
    private readonly OverlayOptions _opt;
    private readonly ILeaseStore _store;
    private readonly NetNs _ns;
    private readonly TimeProvider _clock;
    private readonly Action<string> _log;
    private readonly LeaseManager _leases;
    private Rtnl? _rtnl;
    private IBackend? _backend;
    private INetwork? _network;
    private string _lastProblems = "";

    public OverlayAgent(OverlayOptions options, ILeaseStore store, NetNs ns, Action<string>? log = null, TimeProvider? clock = null)
    {
        _opt = options;
        _store = store;
        _ns = ns;
        _clock = clock ?? TimeProvider.System;
        _log = log ?? (_ => { });
        _leases = new LeaseManager(store, options.Config, _clock, options.LeaseTtl);
    }

    /// <summary>Our lease once acquired.</summary>
    public SubnetLease? Lease { get; private set; }

    /// <summary>The MTU pods get.</summary>
    public int PodMtu { get; private set; }

    /// <summary>The GSO/GRO size podnet-cni gives pod veths and cni0 (BIG TCP when above 64 KiB).</summary>
    public int PodGsoMaxSize { get; private set; } = Underlay.LegacyGsoMaxSize;

    /// <summary>Completes once the first reconcile is done (lease held, routes programmed).</summary>
    public Task Ready => _ready.Task;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Number of completed reconcile passes (tests wait on it).</summary>
    public int Reconciles => Volatile.Read(ref _reconciles);
    private int _reconciles;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await StartAsync(ct);
            await LoopAsync(ct);
        }
        catch (Exception e) when (!_ready.Task.IsCompleted)
        {
            _ready.TrySetException(e);
            throw;
        }
    }

    private async Task StartAsync(CancellationToken ct)
    {
        var cfg = _opt.Config;
        _rtnl = Rtnl.Open(_ns);
        var underlay = UnderlayFinder.Find(_rtnl, _opt.Iface, _opt.PublicIp);
        _log($"underlay {underlay.Name} {underlay.Address}/{underlay.PrefixLength} mtu {underlay.Mtu}; backend {cfg.Backend.Type}; network {cfg.Network}");
        Sysctl.Write(_ns, "net.ipv4.ip_forward", "1");
        var ctx = new BackendContext { Netns = _ns, Rtnl = _rtnl, Config = cfg, Underlay = underlay, Log = _log };
        _backend = BackendRegistry.Create(ctx);
        var attrs = _backend.Prepare();
        PodMtu = attrs.PodMtu;
        PodGsoMaxSize = attrs.PodGsoMaxSize;
        if (PodGsoMaxSize > Underlay.LegacyGsoMaxSize) _log($"BIG TCP: pods get GSO/GRO size {PodGsoMaxSize} (underlay {underlay.Name} carries {underlay.GsoMaxSize})");

        var preferred = new List<System.Net.IPNetwork>();
        if (SubnetEnv.ReadSubnet(_opt.SubnetFile) is { } prev) preferred.Add(prev);
        if (_opt.PreferredSubnet is { } p) preferred.Add(p);
        var req = new LeaseRequest
        {
            Node = _opt.NodeName, PublicIp = underlay.Address, BackendType = cfg.Backend.Type, VtepMac = attrs.VtepMac, Preferred = preferred,
        };
        Lease = await _leases.AcquireAsync(req, ct);
        _log($"acquired {Lease}");
        _network = _backend.Start(Lease);

        // Masquerade first: subnet.env and the conflist tell the node pods may start, and an egress
        // connection opened before the nat table exists would get no NAT binding for its lifetime.
        if (cfg.IpMasq) Masquerade.Apply(_ns, cfg.Network);
        new SubnetEnv(cfg.Network, Lease.Subnet, PodMtu, cfg.IpMasq).Write(_opt.SubnetFile);
        if (_opt.CniConfDir is { } dir) CniConfList.Write(dir, Lease.Subnet, PodMtu, PodGsoMaxSize);
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        var watch = WatchChangesAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            if (now >= _leases.RenewAt(Lease!))
            {
                try { Lease = await _leases.RenewAsync(Lease!, ct); }
                catch (LeaseLostException)
                {
                    TryDelete(_opt.SubnetFile);
                    throw;
                }
            }
            DateTimeOffset nextExpiry = await ReconcileAsync(ct);
            Interlocked.Increment(ref _reconciles);
            _ready.TrySetResult();

            var wake = new[] { _leases.RenewAt(Lease!), nextExpiry, now + _opt.Resync }.Min();
            var delay = wake - _clock.GetUtcNow();
            if (delay < TimeSpan.FromMilliseconds(10)) delay = TimeSpan.FromMilliseconds(10);
            var signal = _changed;
            await Task.WhenAny(Task.Delay(delay, _clock, ct), signal.Task);
            if (ReferenceEquals(signal, _changed) && signal.Task.IsCompleted)
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        ct.ThrowIfCancellationRequested();
        await watch;
    }

    private volatile TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task WatchChangesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _store.WaitForChangeAsync(ct);
                _changed.TrySetResult();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                _log($"lease watch failed, retrying: {e.Message}");
                try { await Task.Delay(1000, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>One level-triggered pass; returns when the next remote lease expires.</summary>
    private async Task<DateTimeOffset> ReconcileAsync(CancellationToken ct)
    {
        var all = await _store.ListAsync(ct);
        var now = _clock.GetUtcNow();
        var own = Lease!;
        var live = all.Where(l => l.IsLive(now)).ToList();
        if (live.FirstOrDefault(l => l.Subnet == own.Subnet) is { } holder && holder.Node != own.Node)
        {
            TryDelete(_opt.SubnetFile);
            throw new LeaseLostException($"lease on {own.Subnet} is now held by node {holder.Node}; node {own.Node} stops using it");
        }
        var remotes = live.Where(l => l.Node != own.Node && l.Subnet != own.Subnet && _opt.Config.Network.Contains(l.Subnet.BaseAddress)).ToList();
        var problems = _network!.Reconcile(remotes);
        string joined = string.Join("\n", problems);
        if (joined != _lastProblems)
        {
            foreach (var p in problems) _log("error: " + p);
            _lastProblems = joined;
        }
        return remotes.Count == 0 ? DateTimeOffset.MaxValue : remotes.Min(r => r.Expiration);
    }

    /// <summary>Problems of the last reconcile (e.g. host-gw peers that are not L2-adjacent).</summary>
    public string LastProblems => _lastProblems;

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { }
    }

    /// <summary>Stops; with <see cref="OverlayOptions.ReleaseOnExit"/> gives the lease back.
    /// Kernel state is left in place for the next run (or removed with the node's namespace).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_opt.ReleaseOnExit && Lease is { } l)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                if (await _leases.ReleaseAsync(l, cts.Token)) _log($"released {l.Subnet}");
            }
            catch (Exception e) { _log($"could not release {l.Subnet}: {e.Message}"); }
        }
        _network?.Dispose();
        _backend?.Dispose();
        _rtnl?.Dispose();
    }
}
