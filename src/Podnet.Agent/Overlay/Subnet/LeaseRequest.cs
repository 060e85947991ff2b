using System.Net;
using Podnet.Linux;

namespace Podnet.Agent.Overlay.Subnet;

/// <summary>What a node asks for: who it is, how to reach it, and which subnets it would prefer
/// (its previous one from subnet.env, the podCIDR the control plane gave its Node).</summary>
public sealed record LeaseRequest
{
    public required string Node { get; init; }
    public required IPAddress PublicIp { get; init; }
    public required string BackendType { get; init; }
    public MacAddress? VtepMac { get; init; }
    public IReadOnlyList<IPNetwork> Preferred { get; init; } = [];
}
