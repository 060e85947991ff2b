using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Topology;
using Podnet.Linux.Netns;

namespace Podnet.Lab.Runtime;

/// <summary>
/// Nodes joining and leaving a running lab (<c>podnet lab add-node|remove-node</c>), the way a
/// cluster grows and shrinks: a new node gets its namespace on the fabric, its Node object, its
/// agents and kubelet; a leaving node is drained (its pods deleted gracefully, so Deployments
/// replace them elsewhere), its kubelet stopped, its overlay agent stopped with SIGTERM so it gives
/// its lease back (every other node then removes its routes), and its namespace removed.
/// Traffic between the other nodes is not touched.
/// </summary>
public static class LabNodes
{
    /// <summary>Adds the next node (highest index + 1) and returns its index once it is Ready.</summary>
    public static async Task<int> AddAsync(string lab, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var names = new LabNames(lab);
        var m = Manifest(names);
        int i = Indexes(names).DefaultIfEmpty(0).Max() + 1;
        if (i > 50) throw new ArgumentException($"lab \"{lab}\": node index {i} is beyond the lab's 50 nodes");
        var topology = Enum.Parse<LabTopologyKind>(m.Topology, ignoreCase: true);
        bool overlay = LabBackends.IsOverlay(m.Backend);
        if (topology == LabTopologyKind.Routed && !overlay && LabNames.NodeSubnetIndex(i, topology) == 1)
            throw new ArgumentException($"lab \"{lab}\": node-{i} would be on {LabNames.SecondNodeSubnet}, which backend {m.Backend} cannot reach");
        var daemon = m.Daemon ?? [LabBinaries.Podnet()];
        using var api = new ApiClient(names.ApiSocket) { RequestTimeout = TimeSpan.FromSeconds(10) };
        try
        {
            LabTopology.AddNode(names, i, topology);
            await LabRuntime.RegisterNodeAsync(api, i, LabNames.NodeIp(i, topology), ct);
            if (overlay) NodeAgents.StartOverlay(names, Path.Combine(m.BinDir, "podnetd"), i, m.Backend);
            NodeAgents.StartKubelet(names, daemon, m.BinDir, i, m.Cni, overlay);
            NodeAgents.StartProxy(names, Path.Combine(m.BinDir, "podnetd"), i);
            NodeAgents.StartNetpol(names, Path.Combine(m.BinDir, "podnetd"), i);
            await LabRuntime.WaitForNodesReadyAsync(names, api, Indexes(names).Count, TimeSpan.FromSeconds(30), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            string logs = LabRuntime.LogTails(names);
            try { await RemoveAsync(lab, i, null, CancellationToken.None); } catch (Exception) { }
            throw new LabException($"lab \"{lab}\": adding node-{i} failed: {e.Message}{logs}", e);
        }
        (m with { Nodes = Indexes(names).Count }).Write(names.ManifestFile);
        progress?.Report($"node-{i} ({LabNames.NodeIp(i, topology)}) Ready");
        return i;
    }

    /// <summary>Drains and removes node <paramref name="i"/>. Idempotent for a node that is half gone.</summary>
    public static async Task RemoveAsync(string lab, int i, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var names = new LabNames(lab);
        var m = Manifest(names);
        string node = LabNames.NodeName(i);
        if (!Indexes(names).Contains(i)) throw new ArgumentException($"lab \"{lab}\" has no node {node}");
        using var api = new ApiClient(names.ApiSocket) { RequestTimeout = TimeSpan.FromSeconds(10) };

        // 1. Cordon, then drain: the kubelet stops each pod (CNI DEL) and finalizes it.
        await ApiRetry.OnConflictAsync(() => api.PatchAsync(ApiResources.Nodes, null, node, new JsonObject { ["spec"] = new JsonObject { ["unschedulable"] = true } }, ct: ct), ct);
        var onNode = new ListOptions { FieldSelector = $"spec.nodeName={node}" };
        var pods = (await api.ListAsync(ApiResources.Pods, null, onNode, ct)).Items;
        foreach (var p in pods)
        {
            try { await api.DeleteAsync(ApiResources.Pods, p.Namespace(), p.Name()!, ct: ct); }
            catch (ApiException e) when (e.IsNotFound) { }
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await api.ListAsync(ApiResources.Pods, null, onNode, ct)).Items.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
        progress?.Report($"{node}: drained {pods.Count} pods");

        // 2. The node's processes: kubelet, then the overlay agent (SIGTERM: it releases its lease
        //    while the API runs, and the other nodes remove their routes to it), then proxy and netpol.
        NodeAgents.Stop(NodeAgents.PidFile(names, "kubelet", i), TimeSpan.FromSeconds(5));
        NodeAgents.Stop(NodeAgents.PidFile(names, "overlay", i), TimeSpan.FromSeconds(3));
        NodeAgents.Stop(NodeAgents.PidFile(names, "proxy", i), TimeSpan.FromSeconds(1));
        NodeAgents.Stop(NodeAgents.PidFile(names, "netpol", i), TimeSpan.FromSeconds(1));
        try { await api.DeleteAsync(ApiResources.Nodes, null, node, ct: ct); }
        catch (ApiException e) when (e.IsNotFound) { }

        // 3. Sandboxes a kubelet left (killed, or stopped mid-way), whatever still runs in the
        //    node's namespace, then the namespace (its veth, and the fabric's end, go with it).
        RemoveLeftoverSandboxes(names, i);
        var netns = names.NodeNetns(i);
        Processes.NetnsProcesses.KillAll([netns], TimeSpan.FromSeconds(2));
        if (NetNs.Exists(netns)) NetNs.Delete(netns);
        foreach (var dir in new[] { names.NodeAgentDir(i), names.NodeCniDir(i) })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        (m with { Nodes = Indexes(names).Count }).Write(names.ManifestFile);
        progress?.Report($"{node} removed");
    }

    private static void RemoveLeftoverSandboxes(LabNames names, int i)
    {
        if (!Directory.Exists(names.PodsDir)) return;
        foreach (var dir in Directory.EnumerateDirectories(names.PodsDir))
        {
            if (Pods.SandboxState.Read(dir) is not { } s || s.Node != i) continue;
            if (!s.HostNetwork)
            {
                Processes.NetnsProcesses.KillAll([s.Netns], TimeSpan.FromSeconds(2));
                if (NetNs.Exists(s.Netns)) NetNs.Delete(s.Netns);
                var etc = LabNames.EtcNetnsDir(s.Netns);
                if (Directory.Exists(etc)) Directory.Delete(etc, recursive: true);
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The node indexes that have a namespace.</summary>
    public static List<int> Indexes(LabNames names) =>
        LabTeardown.LabNamespaces(names).Select(n => n[names.NetnsPrefix.Length..])
            .Where(r => r.StartsWith("node-")).Select(r => int.Parse(r.AsSpan(5))).Order().ToList();

    private static LabManifest Manifest(LabNames names) =>
        LabManifest.Read(names.ManifestFile) ?? throw new ArgumentException($"lab \"{names.Lab}\" is not up (no {names.ManifestFile}); see podnet lab status {names.Lab}");
}
