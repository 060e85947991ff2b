namespace Podnet.Api.Models;

public sealed record Node : IKubeObject
{
    public string ApiVersion { get; init; } = "v1";
    public string Kind { get; init; } = "Node";
    public ObjectMeta Metadata { get; init; } = new();
    public NodeSpec Spec { get; init; } = new();
    public NodeStatus? Status { get; init; }

    public bool IsReady => Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
    public string? InternalIP => Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
}

public sealed record NodeSpec
{
    public string? PodCIDR { get; init; }
    public List<string>? PodCIDRs { get; init; }
    public bool? Unschedulable { get; init; }
    public List<Taint>? Taints { get; init; }
}

public sealed record Taint
{
    public string Key { get; init; } = "";
    public string? Value { get; init; }
    public string Effect { get; init; } = "";
}

public sealed record NodeStatus
{
    public List<NodeAddress>? Addresses { get; init; }
    public List<Condition>? Conditions { get; init; }
}

public sealed record NodeAddress
{
    public string Type { get; init; } = "";
    public string Address { get; init; } = "";
}

public sealed record Namespace : IKubeObject
{
    public string ApiVersion { get; init; } = "v1";
    public string Kind { get; init; } = "Namespace";
    public ObjectMeta Metadata { get; init; } = new();
    public NamespaceStatus? Status { get; init; }
}

public sealed record NamespaceStatus
{
    public string? Phase { get; init; }
}
