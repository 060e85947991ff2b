namespace Podnet.Api.Models;

public sealed record Deployment : IKubeObject
{
    public const string PodTemplateHashLabel = "pod-template-hash";

    public string ApiVersion { get; init; } = "apps/v1";
    public string Kind { get; init; } = "Deployment";
    public ObjectMeta Metadata { get; init; } = new();
    public DeploymentSpec Spec { get; init; } = new();
    public DeploymentStatus? Status { get; init; }
}

public sealed record DeploymentSpec
{
    public int? Replicas { get; init; }
    public LabelSelectorSpec? Selector { get; init; }
    public PodTemplateSpec Template { get; init; } = new();
    public DeploymentStrategy? Strategy { get; init; }
    public int? MinReadySeconds { get; init; }
}

public sealed record DeploymentStrategy
{
    /// <summary>RollingUpdate (default) or Recreate.</summary>
    public string? Type { get; init; }
    public RollingUpdateDeployment? RollingUpdate { get; init; }
}

public sealed record RollingUpdateDeployment
{
    public IntOrString? MaxSurge { get; init; }
    public IntOrString? MaxUnavailable { get; init; }
}

public sealed record DeploymentStatus
{
    public long? ObservedGeneration { get; init; }
    public int? Replicas { get; init; }
    public int? UpdatedReplicas { get; init; }
    public int? ReadyReplicas { get; init; }
    public int? AvailableReplicas { get; init; }
    public int? UnavailableReplicas { get; init; }
    public List<Condition>? Conditions { get; init; }
}
