using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Pods;
using Podnet.Lab.Processes;
using Podnet.Linux.Netlink;

namespace Podnet.Lab.Kubelet;

/// <summary>
/// The lab kubelet of one node. Runs inside the node's network namespace. Takes its CNI conflist
/// from the node's network agent (<paramref name="cniConfDir"/>, where <c>podnetd overlay</c> writes
/// it, as a kubelet's runtime reads /etc/cni/net.d) — or, without an agent, writes its own for the
/// node's podCIDR and keeps plain routes to the other nodes' pod CIDRs (the "routes" backend).
/// Then marks the node Ready and runs a <see cref="PodWorker"/> for every pod bound to this node.
/// </summary>
public sealed class LabKubelet(LabNames names, int node, string binDir, CniPlugins plugins, ApiClient api, Action<string> log,
    string? cniConfDir = null)
{
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new();
    /// <summary>Pods being stopped after a delete: awaited at shutdown, so a kubelet stopped right
    /// after a pod deletion still removes that pod's sandbox.</summary>
    private readonly ConcurrentDictionary<Task, byte> _finishing = new();
    private readonly SemaphoreSlim _routesDirty = new(0, 1);
    private Informer? _nodes;
    private KubeletContext? _ctx;
    private string NodeName => LabNames.NodeName(node);
    /// <summary>How to run <c>podnet</c> for a container command (the kubelet's own program).</summary>
    public IReadOnlyList<string>? PodnetCommand { get; init; }

    public async Task RunAsync(CancellationToken ct)
    {
        _nodes = new Informer(api, ApiResources.Nodes, _ => Signal(_routesDirty)) { OnError = e => log($"node watch: {e.Message}") };
        await _nodes.StartAndSyncAsync(ct);
        var podCidr = await WaitForPodCidrAsync(ct);
        log($"node {NodeName}: podCIDR {podCidr}");

        using var rtnl = Rtnl.OpenCurrent(names.NodeNetns(node));
        // The node's InternalIP is its eth0 address, as a kubelet finds it (the topology decides it).
        var nodeIp = rtnl.ListAddresses("eth0", System.Net.Sockets.AddressFamily.InterNetwork).FirstOrDefault()?.Ip ?? LabNames.NodeIp(node);

        var cniDir = names.NodeCniDir(node);
        Directory.CreateDirectory(cniDir);
        var ipamDir = Path.Combine(cniDir, "ipam");
        var conflist = cniConfDir is null
            ? CniConfig.Build(names.Lab, podCidr, ipamDir, plugins)
            : CniConfig.FromAgent(await CniConfig.WaitForAgentAsync(cniConfDir, log, ct), names.Lab, ipamDir, plugins);
        if (cniConfDir is not null) log($"node {NodeName}: CNI conflist from the network agent in {cniConfDir} (mtu {CniConfig.Mtu(conflist)?.ToString() ?? "of the link"})");
        File.WriteAllText(Path.Combine(cniDir, "10-podnet.conflist"), conflist.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        string cniPath = plugins == CniPlugins.Podnet ? binDir : "/usr/lib/cni";
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) });
        _ctx = new KubeletContext
        {
            Names = names, Node = node, NodeIp = nodeIp, BinDir = binDir, PodnetCommand = PodnetCommand, Api = api, Cni = new CniRunner(cniPath, conflist),
            Probes = new Probes(http), Log = log,
        };
        await CleanLeftoversAsync();

        // Without a network agent the kubelet routes to the other nodes' pods itself.
        var routes = cniConfDir is null ? Task.Run(() => RoutesLoopAsync(rtnl, ct), ct) : Task.CompletedTask;
        await SetNodeReadyAsync(ct);

        await using var pods = new Informer(api, ApiResources.Pods, OnPod) { OnError = e => log($"pod watch: {e.Message}") };
        await pods.StartAndSyncAsync(ct);
        log($"node {NodeName}: ready");
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
        await Task.WhenAll(_workers.Values.Select(w => w.StopAsync(TimeSpan.Zero)).Concat(_finishing.Keys));
        await _nodes.DisposeAsync();
        try { await routes; } catch (OperationCanceledException) { }
    }

    private async Task<string> WaitForPodCidrAsync(CancellationToken ct)
    {
        while (true)
        {
            if (_nodes!.Get(null, NodeName) is { } n && n.AtPath("spec.podCIDR") is { Length: > 0 } cidr) return cidr;
            await Task.Delay(10, ct);
        }
    }

    private async Task SetNodeReadyAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var patch = new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "podnet lab kubelet is posting ready status",
                    ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now,
                }),
            },
        };
        await ApiRetry.OnConflictAsync(() => api.PatchAsync(ApiResources.Nodes, null, NodeName, patch, "status", ct), ct);
    }

    private async Task RoutesLoopAsync(Rtnl rtnl, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { NodeRoutes.Sync(rtnl, NodeRoutes.Peers(_nodes!.Items, NodeName)); }
            catch (Exception e) when (e is Podnet.Linux.PodnetLinuxException) { log($"routes: {e.Message}"); }
            await _routesDirty.WaitAsync(ct);
        }
    }

    private void OnPod(InformerEvent ev)
    {
        var pod = ev.Object;
        if (pod.AtPath("spec.nodeName") != NodeName || pod.Uid() is not { } uid) return;
        bool terminating = ev.Type == WatchEventType.Deleted || pod["metadata"]?["deletionTimestamp"] is not null;
        if (terminating)
        {
            if (_workers.TryRemove(uid, out var w))
            {
                var t = FinishAsync(w, pod, deleteObject: ev.Type != WatchEventType.Deleted);
                _finishing.TryAdd(t, 0);
                t.ContinueWith(done => _finishing.TryRemove(done, out _), TaskScheduler.Default);
            }
            else if (ev.Type != WatchEventType.Deleted)
                _ = FinalizeAsync(pod);
            return;
        }
        if (_workers.ContainsKey(uid) || pod.AtPath("status.phase") is "Succeeded" or "Failed") return;
        var worker = new PodWorker(_ctx!, pod);
        if (_workers.TryAdd(uid, worker)) worker.Start();
    }

    private async Task FinishAsync(PodWorker w, JsonObject pod, bool deleteObject)
    {
        long grace = long.TryParse(pod.AtPath("metadata.deletionGracePeriodSeconds"), out var g) ? g : 30;
        await w.StopAsync(TimeSpan.FromSeconds(Math.Clamp(grace, 0, 5)));
        log($"pod {w.Namespace}/{w.Name}: stopped");
        if (deleteObject) await FinalizeAsync(pod);
    }

    /// <summary>The kubelet's final delete (gracePeriodSeconds=0) that removes the object.</summary>
    private async Task FinalizeAsync(JsonObject pod)
    {
        try { await api.DeleteAsync(ApiResources.Pods, pod.Namespace(), pod.Name()!, gracePeriodSeconds: 0); }
        catch (ApiException e) when (e.IsNotFound) { }
        catch (Exception e) { log($"pod {pod.Namespace()}/{pod.Name()}: final delete failed: {e.Message}"); }
    }

    /// <summary>Sandboxes of this node left by a kubelet that was killed: their processes are
    /// killed and their namespaces removed; the pods are started afresh from the API.</summary>
    private async Task CleanLeftoversAsync()
    {
        if (!Directory.Exists(names.PodsDir)) return;
        foreach (var dir in Directory.EnumerateDirectories(names.PodsDir))
        {
            if (SandboxState.Read(dir) is not { } s || s.Node != node) continue;
            log($"removing leftover sandbox of {s.Namespace}/{s.Pod} ({s.Netns})");
            if (!s.HostNetwork)
            {
                NetnsProcesses.KillAll([s.Netns], TimeSpan.FromSeconds(2));
                var id = new string(s.Uid.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
                try { await PodSandbox.DestroyAsync(s.Netns, _ctx!.Cni, id, PodSandbox.CniArgs(s.Namespace, s.Pod, s.Uid, id), CancellationToken.None); }
                catch (Exception e) { log(e.Message); }
            }
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static void Signal(SemaphoreSlim s)
    {
        try { s.Release(); } catch (SemaphoreFullException) { }
    }
}
