namespace Podnet.Api.Models;

public sealed record NetworkPolicy : IKubeObject
{
    public string ApiVersion { get; init; } = "networking.k8s.io/v1";
    public string Kind { get; init; } = "NetworkPolicy";
    public ObjectMeta Metadata { get; init; } = new();
    public NetworkPolicySpec Spec { get; init; } = new();
}

public sealed record NetworkPolicySpec
{
    public LabelSelectorSpec PodSelector { get; init; } = new();
    /// <summary>"Ingress" and/or "Egress"; when absent Kubernetes derives it from the rules.</summary>
    public List<string>? PolicyTypes { get; init; }
    public List<NetworkPolicyIngressRule>? Ingress { get; init; }
    public List<NetworkPolicyEgressRule>? Egress { get; init; }
}

public sealed record NetworkPolicyIngressRule
{
    public List<NetworkPolicyPeer>? From { get; init; }
    public List<NetworkPolicyPort>? Ports { get; init; }
}

public sealed record NetworkPolicyEgressRule
{
    public List<NetworkPolicyPeer>? To { get; init; }
    public List<NetworkPolicyPort>? Ports { get; init; }
}

public sealed record NetworkPolicyPeer
{
    public LabelSelectorSpec? PodSelector { get; init; }
    public LabelSelectorSpec? NamespaceSelector { get; init; }
    public IPBlock? IpBlock { get; init; }
}

public sealed record IPBlock
{
    public string Cidr { get; init; } = "";
    public List<string>? Except { get; init; }
}

public sealed record NetworkPolicyPort
{
    public string? Protocol { get; init; }
    public IntOrString? Port { get; init; }
    public int? EndPort { get; init; }
}
