namespace Podnet.Lab.Runtime;

/// <summary>What <c>podnet lab up</c> builds.</summary>
public sealed record LabOptions
{
    public string Name { get; init; } = "podnet";
    public int Nodes { get; init; } = 3;
    /// <summary>Pod network backend between nodes. Only "routes" (plain routes between node
    /// namespaces) exists in this issue; the overlay issue adds vxlan, udp, host-gw.</summary>
    public string Backend { get; init; } = "routes";
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
public sealed class LabExistsException(LabStatus status)
    : Exception($"lab \"{status.Name}\" already exists ({status.Summary}); use `podnet lab status {status.Name}`, or `podnet lab down {status.Name}` to remove it")
{
    public LabStatus Status { get; } = status;
}

/// <summary>A lab operation failed; the message names the lab and the step, and keeps the cause.</summary>
public sealed class LabException(string message, Exception? inner = null) : Exception(message, inner);
