namespace Podnet.Lab.Runtime;

/// <summary>What <c>podnet lab up</c> builds.</summary>
public sealed record LabOptions
{
    public string Name { get; init; } = "podnet";
    public int Nodes { get; init; } = 3;
    /// <summary>Pod network between nodes: an overlay backend run by <c>podnetd overlay</c> on every
    /// node (vxlan, host-gw, udp), or "routes" (the lab kubelet's plain routes, no agent).</summary>
    public string Backend { get; init; } = "vxlan";
    /// <summary>The node network: one L2 segment, or two subnets behind a router.</summary>
    public Podnet.Lab.Topology.LabTopologyKind Topology { get; init; } = Podnet.Lab.Topology.LabTopologyKind.Flat;
    /// <summary>Deploy cluster DNS (Deployment coredns in kube-system behind the kube-dns Service 10.96.0.10).</summary>
    public bool Dns { get; init; } = true;
    /// <summary>Where cluster DNS forwards names outside cluster.local: "none" (answer REFUSED at once:
    /// the lab has no route to the internet) or comma-separated ADDR[:PORT] reachable from a pod,
    /// e.g. a resolver in the outside-world namespace.</summary>
    public string DnsUpstream { get; init; } = "none";
    /// <summary>CNI plugins the kubelets call.</summary>
    public Kubelet.CniPlugins Cni { get; init; } = Kubelet.CniPlugins.Podnet;
    /// <summary>Directory holding podnet-cni, podnet-ipam and podnet-agnhost; default: see <see cref="LabBinaries"/>.</summary>
    public string? BinDir { get; init; }
    /// <summary>The command that runs podnet's hidden daemon modes (<c>controlplane</c>, <c>kubelet</c>);
    /// default: the podnet binary. Tests may point it at another host of the same entry points.</summary>
    public IReadOnlyList<string>? DaemonCommand { get; init; }
    /// <summary>How long to wait for the control plane and the kubelets.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Why <c>lab up</c> did nothing: the lab exists. Carries what is there.</summary>
/// <summary>The backends <c>lab up --backend</c> accepts.</summary>
public static class LabBackends
{
    public const string Routes = "routes";
    public static readonly IReadOnlyList<string> All = ["vxlan", "host-gw", "udp", Routes];
    /// <summary>True for the backends run by the node agent (podnetd overlay).</summary>
    public static bool IsOverlay(string backend) => backend != Routes;
}

public sealed class LabExistsException(LabStatus status)
    : Exception($"lab \"{status.Name}\" already exists ({status.Summary}); use `podnet lab status {status.Name}`, or `podnet lab down {status.Name}` to remove it")
{
    public LabStatus Status { get; } = status;
}

/// <summary>A lab operation failed; the message names the lab and the step, and keeps the cause.</summary>
public sealed class LabException(string message, Exception? inner = null) : Exception(message, inner);
