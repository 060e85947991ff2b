namespace Podnet.Api.Models;

public interface IKubeObject
{
    string ApiVersion { get; }
    string Kind { get; }
    ObjectMeta Metadata { get; }
}

public sealed record ObjectMeta
{
    public string? Name { get; init; }
    public string? GenerateName { get; init; }
    public string? Namespace { get; init; }
    public string? Uid { get; init; }
    public string? ResourceVersion { get; init; }
    public long? Generation { get; init; }
    public DateTimeOffset? CreationTimestamp { get; init; }
    public DateTimeOffset? DeletionTimestamp { get; init; }
    public long? DeletionGracePeriodSeconds { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public List<OwnerReference>? OwnerReferences { get; init; }
}

public sealed record OwnerReference
{
    public string ApiVersion { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Uid { get; init; } = "";
    public bool? Controller { get; init; }
    public bool? BlockOwnerDeletion { get; init; }
}

public sealed record ObjectReference
{
    public string? ApiVersion { get; init; }
    public string? Kind { get; init; }
    public string? Namespace { get; init; }
    public string? Name { get; init; }
    public string? Uid { get; init; }
}

public sealed record LabelSelectorSpec
{
    public Dictionary<string, string>? MatchLabels { get; init; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; init; }
}

public sealed record LabelSelectorRequirement
{
    public string Key { get; init; } = "";
    public string Operator { get; init; } = "";
    public List<string>? Values { get; init; }
}

/// <summary>Pod, node and deployment conditions share this shape.</summary>
public sealed record Condition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Reason { get; init; }
    public string? Message { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public DateTimeOffset? LastProbeTime { get; init; }
    public DateTimeOffset? LastHeartbeatTime { get; init; }
    public DateTimeOffset? LastUpdateTime { get; init; }
}

public sealed record LoadBalancerStatus
{
    public List<LoadBalancerIngress>? Ingress { get; init; }
}

public sealed record LoadBalancerIngress
{
    public string? Ip { get; init; }
    public string? Hostname { get; init; }
}

/// <summary>The Kubernetes <c>Status</c> object returned with errors.</summary>
public sealed record Status
{
    public string Kind { get; init; } = "Status";
    public string ApiVersion { get; init; } = "v1";
    public Dictionary<string, string>? Metadata { get; init; } = new();
    /// <summary>"Success" or "Failure" (the JSON field <c>status</c>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("status")]
    public string? Outcome { get; init; }
    public string? Message { get; init; }
    public string? Reason { get; init; }
    public StatusDetails? Details { get; init; }
    public int Code { get; init; }
}

public sealed record StatusDetails
{
    public string? Name { get; init; }
    public string? Group { get; init; }
    public string? Kind { get; init; }
    public string? Uid { get; init; }
    public List<StatusCause>? Causes { get; init; }
}

public sealed record StatusCause
{
    public string? Reason { get; init; }
    public string? Message { get; init; }
    public string? Field { get; init; }
}
