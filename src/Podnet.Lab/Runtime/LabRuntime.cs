using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Addons;
using Podnet.Lab.Processes;
using Podnet.Lab.Topology;
using Podnet.Linux.Netns;

namespace Podnet.Lab.Runtime;

/// <summary>
/// The lab runtime the CLI drives (<c>podnet lab up|down|status|list</c>): a Kubernetes-shaped
/// cluster network made of network namespaces on this machine. See <see cref="LabTopology"/> for
/// the wiring and <see cref="LabNames"/> for every name it uses.
/// </summary>
public static class LabRuntime
{
    /// <summary>
    /// Builds lab <c>options.Name</c>: the fabric, the outside world and the node namespaces, the
    /// control plane process (API on /run/podnet/LAB/api.sock, data in /var/lib/podnet/LAB), the
    /// Node objects, and per node inside its namespace the network agent (<c>podnetd overlay</c>,
    /// for the overlay backends), the lab kubelet and the service proxy (<c>podnetd proxy</c>);
    /// then cluster DNS as pods. Returns once every node and the DNS pods are Ready. If anything of the lab exists already, throws <see cref="LabExistsException"/> and
    /// changes nothing. If a step fails, removes what it built and throws <see cref="LabException"/>.
    /// </summary>
    public static async Task<LabStatus> UpAsync(LabOptions options, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var names = new LabNames(options.Name);
        Validate(names, options);
        var existing = Status(names.Lab);
        if (existing.Exists) throw new LabExistsException(existing);
        // Claim the name: a second concurrent `lab up` fails here instead of racing.
        Directory.CreateDirectory(LabNames.RunRoot);
        try { Directory.CreateDirectory(names.RunDir); using var _ = new FileStream(Path.Combine(names.RunDir, "lock"), FileMode.CreateNew); }
        catch (IOException) { throw new LabExistsException(Status(names.Lab)); }

        var sw = Stopwatch.StartNew();
        string binDir = options.BinDir ?? LabBinaries.BinDir();
        var daemon = options.DaemonCommand ?? [LabBinaries.Podnet()];
        bool overlay = LabBackends.IsOverlay(options.Backend);
        try
        {
            string podnetd = Path.Combine(binDir, "podnetd");
            if (!File.Exists(podnetd)) throw new LabException($"the node agent {podnetd} does not exist (run scripts/build.sh, or set --bin/$PODNET_BIN)");
            LabTopology.Create(names, options.Nodes, options.Topology);
            progress?.Report(options.Topology == LabTopologyKind.Routed
                ? $"network: fabric, router between {LabNames.NodeSubnet} and {LabNames.SecondNodeSubnet}, outside world and {options.Nodes} nodes ({sw.ElapsedMilliseconds} ms)"
                : $"network: fabric, outside world and {options.Nodes} nodes ({sw.ElapsedMilliseconds} ms)");

            Directory.CreateDirectory(names.DataDir);
            Daemon.Start([.. daemon, "controlplane", "--socket", names.ApiSocket, "--data", names.DataDir],
                Path.Combine(names.LogDir, "controlplane.log"), Path.Combine(names.PidDir, "controlplane.pid"));
            using var api = new ApiClient(names.ApiSocket) { RequestTimeout = TimeSpan.FromSeconds(10) };
            await WaitForApiAsync(names, api, options.Timeout, ct);
            progress?.Report($"control plane: serving on {names.ApiSocket} ({sw.ElapsedMilliseconds} ms)");

            for (int i = 1; i <= options.Nodes; i++) await RegisterNodeAsync(api, i, LabNames.NodeIp(i, options.Topology), ct);
            // The network agent (flanneld's job) first: the kubelet reports its node Ready only
            // once the agent has written the CNI conflist for the node's leased subnet.
            if (overlay)
                for (int i = 1; i <= options.Nodes; i++) NodeAgents.StartOverlay(names, podnetd, i, options.Backend);
            for (int i = 1; i <= options.Nodes; i++) NodeAgents.StartKubelet(names, daemon, binDir, i, options.Cni.ToString().ToLowerInvariant(), overlay);
            // The service proxy (kube-proxy's job): one podnetd per node namespace, where pod
            // traffic to a ClusterIP is routed through. Started before the Ready wait so that
            // wait also notices a proxy that exits at once.
            for (int i = 1; i <= options.Nodes; i++) NodeAgents.StartProxy(names, podnetd, i);
            for (int i = 1; i <= options.Nodes; i++) NodeAgents.StartNetpol(names, podnetd, i);
            progress?.Report(overlay
                ? $"node agents: podnetd overlay ({options.Backend}), podnetd proxy and netpol started in {options.Nodes} nodes ({sw.ElapsedMilliseconds} ms)"
                : $"node agents: podnetd proxy and netpol started in {options.Nodes} nodes; pod routes by the kubelets ({sw.ElapsedMilliseconds} ms)");
            await WaitForNodesReadyAsync(names, api, options.Nodes, options.Timeout, ct);
            int? mtu = overlay ? NodeAgents.PodMtu(names, 1) : null;
            progress?.Report($"nodes: {options.Nodes} Ready{(mtu is { } m ? $", pod MTU {m}" : "")} ({sw.ElapsedMilliseconds} ms)");

            if (options.Dns)
            {
                await ClusterDns.DeployAsync(api, options.DnsUpstream, options.Timeout, () => CheckDaemons(names), ct);
                progress?.Report($"cluster DNS: {ClusterDns.Replicas} coredns pods Ready behind kube-dns {ClusterDns.ClusterIp} ({sw.ElapsedMilliseconds} ms)");
            }

            new LabManifest(names.Lab, options.Nodes, options.Backend, options.Cni.ToString().ToLowerInvariant(), DateTimeOffset.UtcNow, binDir)
            {
                Topology = options.Topology.ToString().ToLowerInvariant(), PodMtu = mtu, Dns = options.Dns, Daemon = [.. daemon],
            }.Write(names.ManifestFile);
            return Status(names.Lab);
        }
        catch (Exception e)
        {
            string logs = LogTails(names);
            try { LabTeardown.Run(names, null); } catch (LabException) { }
            if (e is OperationCanceledException && ct.IsCancellationRequested) throw;
            throw new LabException($"lab \"{names.Lab}\" up failed: {e.Message}{logs}", e);
        }
    }

    /// <summary>
    /// Removes lab <paramref name="name"/>: kills its processes (pid files, stray lab daemons, and
    /// anything inside its namespaces — so it works after a <c>kill -9</c> of any of them), deletes
    /// every <c>pn-NAME-…</c> namespace with its links, and removes /etc/netns/pn-NAME-…,
    /// /run/podnet/NAME and /var/lib/podnet/NAME. Idempotent: a missing lab is not an error.
    /// </summary>
    public static void Down(string name, IProgress<string>? progress = null) =>
        LabTeardown.Run(new LabNames(name), progress);

    /// <summary>What exists of lab <paramref name="name"/> (namespaces, processes, manifest); never throws for a missing lab.</summary>
    public static LabStatus Status(string name)
    {
        var names = new LabNames(name);
        var procs = LabTeardown.Daemons(names).Select(d => new LabProcess(d.Name, d.Record.Pid, d.Record.IsAlive)).ToList();
        return new LabStatus
        {
            Name = names.Lab,
            Manifest = LabManifest.Read(names.ManifestFile),
            StateDirExists = Directory.Exists(names.RunDir) || Directory.Exists(names.DataDir),
            Namespaces = LabTeardown.LabNamespaces(names),
            Processes = procs,
            ApiSocket = names.ApiSocket,
        };
    }

    /// <summary>Every lab on this machine: state directories under /run/podnet and fabric namespaces.</summary>
    public static IReadOnlyList<LabStatus> List()
    {
        var labs = new SortedSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(LabNames.RunRoot))
            foreach (var d in Directory.EnumerateDirectories(LabNames.RunRoot))
                if (Path.GetFileName(d) is { } n && LabNames.Problem(n) is null) labs.Add(n);
        if (Directory.Exists(NetNs.RunDir))
            foreach (var f in Directory.EnumerateFiles(NetNs.RunDir))
                if (Path.GetFileName(f) is { } n && n.StartsWith("pn-") && n.EndsWith("-fabric") && n.Length > 10
                    && LabNames.Problem(n[3..^7]) is null) labs.Add(n[3..^7]);
        return labs.Select(Status).ToList();
    }

    /// <summary>An API client for lab <paramref name="name"/>.</summary>
    public static ApiClient Connect(string name) => new(new LabNames(name).ApiSocket);

    private static async Task WaitForApiAsync(LabNames names, ApiClient api, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var cp = ProcessRecord.ReadFrom(Path.Combine(names.PidDir, "controlplane.pid"));
        while (true)
        {
            if (File.Exists(names.ApiSocket))
            {
                try { await api.ListAsync(ApiResources.Namespaces, ct: ct); return; }
                catch (HttpRequestException) { }
            }
            if (cp is not null && !cp.IsAlive) throw new LabException("the control plane exited");
            if (DateTime.UtcNow > deadline) throw new LabException($"the control plane did not answer on {names.ApiSocket} within {timeout.TotalSeconds:0} s");
            await Task.Delay(10, ct);
        }
    }

    /// <summary>Rejects options that cannot work, before anything is built.</summary>
    private static void Validate(LabNames names, LabOptions options)
    {
        if (options.Nodes is < 1 or > 50) throw new ArgumentException($"lab \"{names.Lab}\": --nodes must be 1-50, not {options.Nodes}");
        if (!LabBackends.All.Contains(options.Backend))
            throw new ArgumentException($"lab \"{names.Lab}\": unknown backend \"{options.Backend}\" (use {string.Join(", ", LabBackends.All)})");
        if (options.Topology == LabTopologyKind.Routed && options.Backend is "host-gw" or LabBackends.Routes && options.Nodes > 1)
        {
            // The agent refuses such peers too (and logs it); refusing here builds nothing that cannot work.
            var far = Enumerable.Range(1, options.Nodes).Where(i => LabNames.NodeSubnetIndex(i, options.Topology) == 1)
                .Select(i => $"{LabNames.NodeName(i)} ({LabNames.NodeIp(i, options.Topology)})").ToList();
            throw new ArgumentException(
                $"lab \"{names.Lab}\": backend {options.Backend} routes pod subnets via the other nodes' addresses, so every node must be on one L2 segment; "
                + $"in the routed topology {string.Join(", ", far)} {(far.Count == 1 ? "is" : "are")} on {LabNames.SecondNodeSubnet}, behind router {names.RouterNetns} from the nodes on {LabNames.NodeSubnet}. "
                + "Use --backend vxlan or udp across the router, or --topology flat");
        }
        if (options.DnsUpstream != "none")
            foreach (var u in options.DnsUpstream.Split(',', StringSplitOptions.TrimEntries))
                if (!System.Net.IPEndPoint.TryParse(u, out _))
                    throw new ArgumentException($"lab \"{names.Lab}\": --dns-upstream \"{u}\" is not an ADDR or ADDR:PORT (or \"none\")");
    }

    internal static void CheckDaemons(LabNames names)
    {
        foreach (var (name, rec) in LabTeardown.Daemons(names))
            if (!rec.IsAlive) throw new LabException($"{name} exited");
    }

    internal static async Task RegisterNodeAsync(ApiClient api, int i, System.Net.IPAddress nodeIp, CancellationToken ct)
    {
        string name = LabNames.NodeName(i), ip = nodeIp.ToString();
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name, ["kubernetes.io/os"] = "linux", ["podnet.io/lab-node"] = i.ToString() },
            },
            ["spec"] = new JsonObject(),
        };
        await api.CreateAsync(node, ct: ct);
        var status = new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = ip },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready", ["status"] = "False", ["reason"] = "KubeletNotStarted", ["message"] = "the lab kubelet has not reported yet",
                }),
            },
        };
        await ApiRetry.OnConflictAsync(() => api.PatchAsync(ApiResources.Nodes, null, name, status, "status", ct), ct);
    }

    internal static async Task WaitForNodesReadyAsync(LabNames names, ApiClient api, int nodes, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var list = await api.ListAsync(ApiResources.Nodes, ct: ct);
            var notReady = list.Items.Where(n => !IsReady(n)).Select(n => n.Name()).ToList();
            if (list.Items.Count >= nodes && notReady.Count == 0) return;
            CheckDaemons(names);
            if (DateTime.UtcNow > deadline)
                throw new LabException($"nodes not Ready within {timeout.TotalSeconds:0} s: {string.Join(", ", notReady)}");
            await Task.Delay(20, ct);
        }
    }

    internal static bool IsReady(JsonObject obj) =>
        obj["status"]?["conditions"] is JsonArray conds &&
        conds.Any(c => c?.Str("type") == "Ready" && c.Str("status") == "True");

    /// <summary>The last lines of each daemon log, to explain a failed <c>lab up</c>.</summary>
    internal static string LogTails(LabNames names)
    {
        if (!Directory.Exists(names.LogDir)) return "";
        var sb = new System.Text.StringBuilder();
        foreach (var f in Directory.EnumerateFiles(names.LogDir, "*.log").Order())
        {
            string[] lines;
            try { lines = File.ReadAllLines(f); } catch (IOException) { continue; }
            if (lines.Length == 0) continue;
            sb.Append($"\n--- {Path.GetFileName(f)} (last lines)\n").AppendJoin('\n', lines.TakeLast(8));
        }
        return sb.ToString();
    }
}
