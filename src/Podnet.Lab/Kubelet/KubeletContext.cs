using System.Net;
using Podnet.Api.Client;

namespace Podnet.Lab.Kubelet;

/// <summary>What every pod worker of one lab kubelet shares.</summary>
public sealed class KubeletContext
{
    public required LabNames Names { get; init; }
    public required int Node { get; init; }
    public string NodeName => LabNames.NodeName(Node);
    /// <summary>The node's InternalIP (its eth0 address).</summary>
    public required IPAddress NodeIp { get; init; }
    public required string BinDir { get; init; }
    /// <summary>How to run the podnet binary (a container command <c>podnet …</c>): the kubelet's own program.</summary>
    public IReadOnlyList<string>? PodnetCommand { get; init; }
    public required ApiClient Api { get; init; }
    public required CniRunner Cni { get; init; }
    public required Probes Probes { get; init; }
    public required Action<string> Log { get; init; }
}
