using Podnet.Lab.Processes;
using Podnet.Linux;

namespace Podnet.Lab.Runtime;

/// <summary>
/// The per-node agents <c>lab up</c> starts inside each node namespace, from the bin directory:
/// <c>podnetd overlay</c> (flanneld's job: subnet lease, backend, subnet.env and the CNI conflist
/// the kubelet uses), <c>podnetd proxy</c> (kube-proxy's job) and <c>podnetd netpol</c> (NetworkPolicy).
/// </summary>
internal static class NodeAgents
{
    /// <summary>Where node i's <paramref name="agent"/> (kubelet, overlay, proxy, netpol) keeps its pid.</summary>
    public static string PidFile(LabNames names, string agent, int i) => Path.Combine(names.PidDir, $"{agent}-node-{i}.pid");

    /// <summary>Starts node i's <paramref name="agent"/> inside the node namespace, logging to LOGDIR/AGENT-node-i.log.</summary>
    private static void Start(LabNames names, string agent, int i, IReadOnlyList<string> argv) =>
        Daemon.Start(argv, Path.Combine(names.LogDir, $"{agent}-node-{i}.log"), PidFile(names, agent, i), netns: names.NodeNetns(i));

    /// <summary>The overlay agent's command line: it gives its lease back when stopped with
    /// SIGTERM (the node leaves), so a node added later under the same name starts clean.</summary>
    public static IReadOnlyList<string> OverlayArgv(LabNames names, string podnetd, int i, string backend) =>
    [
        podnetd, "overlay", "--api", names.ApiSocket, "--node", LabNames.NodeName(i), "--backend", backend,
        "--iface", "eth0", "--subnet-file", names.NodeSubnetEnv(i), "--cni-conf-dir", names.NodeNetConfDir(i),
        "--release-on-exit",
    ];

    public static void StartOverlay(LabNames names, string podnetd, int i, string backend)
    {
        Directory.CreateDirectory(names.NodeNetConfDir(i));
        Start(names, "overlay", i, OverlayArgv(names, podnetd, i, backend));
    }

    public static void StartKubelet(LabNames names, IReadOnlyList<string> daemon, string binDir, int i, string cni, bool overlay)
    {
        List<string> argv = [.. daemon, "kubelet", "--lab", names.Lab, "--node", i.ToString(), "--bin", binDir, "--cni", cni];
        if (overlay) argv.AddRange(["--cni-conf-dir", names.NodeNetConfDir(i)]);
        Start(names, "kubelet", i, argv);
    }

    public static void StartProxy(LabNames names, string podnetd, int i) =>
        Start(names, "proxy", i, [podnetd, "proxy", "--api", names.ApiSocket, "--node", LabNames.NodeName(i), "--cluster-cidr", LabNames.ClusterCidr]);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>, of the process in <paramref name="pidFile"/>; removes the pid file.</summary>
    public static void Stop(string pidFile, TimeSpan grace)
    {
        if (ProcessRecord.ReadFrom(pidFile) is { } rec && rec.IsAlive)
        {
            Signals.Send(rec.Pid, Signals.SIGTERM);
            var deadline = DateTime.UtcNow + grace;
            while (rec.IsAlive && DateTime.UtcNow < deadline) Thread.Sleep(10);
            rec.Kill();
        }
        try { File.Delete(pidFile); } catch (IOException) { }
    }

    /// <summary>NetworkPolicy enforcement (its own nft table, ip podnet-policy).</summary>
    public static void StartNetpol(LabNames names, string podnetd, int i) =>
        Start(names, "netpol", i, [podnetd, "netpol", "--api", names.ApiSocket, "--node", LabNames.NodeName(i)]);

    /// <summary>SIGTERMs the overlay agents (while the control plane still runs, so they can give
    /// their leases back) and waits up to <paramref name="grace"/> for them; returns how many stopped.</summary>
    public static int StopOverlays(LabNames names, TimeSpan grace)
    {
        if (!Directory.Exists(names.PidDir)) return 0;
        var agents = Directory.EnumerateFiles(names.PidDir, "overlay-node-*.pid")
            .Select(ProcessRecord.ReadFrom).OfType<ProcessRecord>().Where(r => r.IsAlive).ToList();
        foreach (var a in agents) Signals.Send(a.Pid, Signals.SIGTERM);
        var deadline = DateTime.UtcNow + grace;
        while (agents.Any(a => a.IsAlive) && DateTime.UtcNow < deadline) Thread.Sleep(10);
        return agents.Count(a => !a.IsAlive);
    }

    /// <summary>The pod MTU the overlay agent of node i advertises (FLANNEL_MTU of its subnet.env), or null.</summary>
    public static int? PodMtu(LabNames names, int i)
    {
        try
        {
            foreach (var line in File.ReadLines(names.NodeSubnetEnv(i)))
                if (line.StartsWith("FLANNEL_MTU=") && int.TryParse(line.AsSpan(12), out int mtu)) return mtu;
        }
        catch (IOException) { }
        return null;
    }
}
