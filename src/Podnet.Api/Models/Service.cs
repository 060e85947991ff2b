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
    /// <summary>ClientIP affinity settings; only with sessionAffinity ClientIP.</summary>
    public SessionAffinityConfig? SessionAffinityConfig { get; init; }
    /// <summary>Client CIDRs allowed to reach the service's load-balancer addresses (others are dropped).</summary>
    public List<string>? LoadBalancerSourceRanges { get; init; }
    public string? LoadBalancerIP { get; init; }
    public bool? PublishNotReadyAddresses { get; init; }
}

public sealed record SessionAffinityConfig
{
    public ClientIPConfig? ClientIP { get; init; }
}

public sealed record ClientIPConfig
{
    /// <summary>Seconds a client stays pinned to its endpoint (1..86400, default 10800).</summary>
    public int? TimeoutSeconds { get; init; }
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
