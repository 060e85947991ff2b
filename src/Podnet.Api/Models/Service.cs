namespace Podnet.Api.Models;

public sealed record Service : IKubeObject
{
    public string ApiVersion { get; init; } = "v1";
    public string Kind { get; init; } = "Service";
    public ObjectMeta Metadata { get; init; } = new();
    public ServiceSpec Spec { get; init; } = new();
    public ServiceStatus? Status { get; init; }
}

public sealed record ServiceSpec
{
    /// <summary>ClusterIP (default), NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; init; }
    public Dictionary<string, string>? Selector { get; init; }
    public List<ServicePort>? Ports { get; init; }
    /// <summary>An address from the service CIDR, or "None" for a headless service.</summary>
    public string? ClusterIP { get; init; }
    public List<string>? ClusterIPs { get; init; }
    public List<string>? ExternalIPs { get; init; }
    public string? ExternalName { get; init; }
    public string? ExternalTrafficPolicy { get; init; }
    public string? InternalTrafficPolicy { get; init; }
    public int? HealthCheckNodePort { get; init; }
    public string? SessionAffinity { get; init; }
    public string? LoadBalancerIP { get; init; }
    public bool? PublishNotReadyAddresses { get; init; }
}

public sealed record ServicePort
{
    public string? Name { get; init; }
    public string? Protocol { get; init; }
    public int Port { get; init; }
    public IntOrString? TargetPort { get; init; }
    public int? NodePort { get; init; }
    public string? AppProtocol { get; init; }
}

public sealed record ServiceStatus
{
    public LoadBalancerStatus? LoadBalancer { get; init; }
}
