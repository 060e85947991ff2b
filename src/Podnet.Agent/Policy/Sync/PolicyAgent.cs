using System.Text.Json.Nodes;
using Podnet.Agent.Policy.Compile;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Policy;
using Podnet.Api.Resources;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Sync;

/// <summary>
/// Enforces NetworkPolicy for this node's pods: informers on pods, namespaces and policies feed the
/// compiler; one loop compiles what changed and syncs it as one transaction. On start it reads
/// the table back instead of flushing it, so isolated pods stay isolated across a restart.
/// </summary>
public sealed class PolicyAgent(ApiClient api, INftRunner nft, string nodeName, Action<string> log, string tableName = PolicyNames.DefaultTable)
{
    private readonly PolicyCompiler _compiler = new(new NftTable(NftFamily.Ip, tableName, "podnet network policy"), nodeName);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);
    private PolicySyncer? _syncer;

    /// <summary>Short pause after an event, so that a burst of changes goes out as one transaction.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Called after each successful sync (commands sent, 0 when the kernel already held everything; elapsed) — for tests and benchmarks.</summary>
    public Action<int, TimeSpan>? OnSynced { get; init; }

    public NftTable Table => _compiler.Table;

    private void OnPod(InformerEvent e)
    {
        var key = $"{e.Object.Namespace() ?? "default"}/{e.Object.Name()}";
        PodInfo? info = null;
        if (e.Type != WatchEventType.Deleted)
        {
            try { info = PolicyParser.Pod(KubeJson.As<Pod>(e.Object)); }
            catch (Exception ex) { log($"netpol: pod {key} unreadable, ignored: {ex.Message}"); }
        }
        lock (_lock)
        {
            if (info is null) _compiler.RemovePod(key);
            else _compiler.UpsertPod(info); // re-indexes a pod whose IP changed
        }
        _signal.Release();
    }

    private void OnNamespace(InformerEvent e)
    {
        var name = e.Object.Name() ?? "";
        lock (_lock) _compiler.SetNamespace(name, e.Type == WatchEventType.Deleted ? null : e.Object.Labels());
        _signal.Release();
    }

    private void OnPolicy(InformerEvent e)
    {
        var key = $"{e.Object.Namespace() ?? "default"}/{e.Object.Name()}";
        PolicyInfo? info = null;
        if (e.Type != WatchEventType.Deleted)
        {
            try { info = PolicyParser.Parse(KubeJson.As<NetworkPolicy>(e.Object)); }
            catch (Exception ex)
            {
                // Fail closed: a policy we cannot read still isolates the pods it selects (when its
                // selector is readable), and allows nothing.
                log($"netpol: {ex.Message}; enforcing it as deny-all");
                info = DenyAll(e.Object);
            }
        }
        lock (_lock)
        {
            if (info is null) _compiler.RemovePolicy(key);
            else _compiler.UpsertPolicy(info);
        }
        _signal.Release();
    }

    /// <summary>
    /// A policy the parser refused, as deny-all for the pods it selects in the directions it isolates
    /// (the same policyTypes rule as a readable policy); null when even its selector is unreadable.
    /// </summary>
    public static PolicyInfo? DenyAll(JsonObject o)
    {
        try
        {
            var np = KubeJson.As<NetworkPolicy>(o);
            var sel = Podnet.Api.Selectors.LabelSelector.FromSpec(np.Spec.PodSelector ?? new());
            var (ingress, egress) = PolicyTypes.Of(np.Spec);
            return new PolicyInfo(np.Metadata.Namespace ?? "default", np.Metadata.Name ?? "", sel, ingress, egress, [], []);
        }
        catch (Exception) { return null; }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        await using var pods = new Informer(api, ApiResources.Pods, OnPod) { OnError = e => log("netpol: pods watch: " + e.Message) };
        await using var namespaces = new Informer(api, ApiResources.Namespaces, OnNamespace) { OnError = e => log("netpol: namespaces watch: " + e.Message) };
        await using var policies = new Informer(api, ApiResources.NetworkPolicies, OnPolicy) { OnError = e => log("netpol: networkpolicies watch: " + e.Message) };
        pods.Start(); namespaces.Start(); policies.Start();
        await Task.WhenAll(pods.Synced, namespaces.Synced, policies.Synced).WaitAsync(ct);

        var syncer = _syncer = new PolicySyncer(nft, _compiler.Table, log);
        syncer.Restore();
        lock (_lock) _compiler.MarkAll();
        log($"netpol: caches synced ({pods.Items.Count} pods, {namespaces.Items.Count} namespaces, {policies.Items.Count} policies)");
        _signal.Release();
        while (!ct.IsCancellationRequested)
        {
            await _signal.WaitAsync(ct);
            if (Debounce > TimeSpan.Zero) await Task.Delay(Debounce, ct);
            while (_signal.CurrentCount > 0) _signal.Wait(0);
            SyncOnce(syncer);
            if (syncer.Pending)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct); // retry; the last good rules stay in place
                _signal.Release();
            }
        }
    }

    private void SyncOnce(PolicySyncer syncer)
    {
        List<(string Key, UnitOutput? Output)> units;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        lock (_lock) units = _compiler.Drain();
        foreach (var (key, output) in units) syncer.SetUnit(key, output);
        if (!syncer.Pending) return;
        var compile = sw.Elapsed;
        if (syncer.Sync())
        {
            log($"netpol: synced {units.Count} units in {syncer.LastSync.Commands} commands (compile {compile.TotalMilliseconds:F1} ms, total {sw.Elapsed.TotalMilliseconds:F1} ms)");
            OnSynced?.Invoke(syncer.LastSync.Commands, sw.Elapsed);
        }
    }
}
