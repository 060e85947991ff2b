namespace Podnet.Api.Models;

public sealed record Pod : IKubeObject
{
    public string ApiVersion { get; init; } = "v1";
    public string Kind { get; init; } = "Pod";
    public ObjectMeta Metadata { get; init; } = new();
    public PodSpec Spec { get; init; } = new();
    public PodStatus? Status { get; init; }

    public bool IsTerminating => Metadata.DeletionTimestamp is not null;
    public bool IsReady => Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
    public bool IsFinished => Status?.Phase is "Succeeded" or "Failed";
}

public sealed record PodTemplateSpec
{
    public ObjectMeta? Metadata { get; init; }
    public PodSpec Spec { get; init; } = new();
}

public sealed record PodSpec
{
    public string? NodeName { get; init; }
    public bool? HostNetwork { get; init; }
    public Dictionary<string, string>? NodeSelector { get; init; }
    public List<Container> Containers { get; init; } = [];
    public List<Container>? InitContainers { get; init; }
    public string? RestartPolicy { get; init; }
    public long? TerminationGracePeriodSeconds { get; init; }
    public string? Hostname { get; init; }
    public string? Subdomain { get; init; }
    public string? DnsPolicy { get; init; }
}

public sealed record Container
{
    public string Name { get; init; } = "";
    public string? Image { get; init; }
    public List<string>? Command { get; init; }
    public List<string>? Args { get; init; }
    public string? WorkingDir { get; init; }
    public List<ContainerPort>? Ports { get; init; }
    /// <summary>Init containers only: "Always" makes it a sidecar that runs beside the containers.</summary>
    public string? RestartPolicy { get; init; }
    public List<EnvVar>? Env { get; init; }
    public Probe? ReadinessProbe { get; init; }
    public Probe? LivenessProbe { get; init; }
}

public sealed record ContainerPort
{
    public string? Name { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("containerPort")]
    public int Port { get; init; }
    public string? Protocol { get; init; }
    public int? HostPort { get; init; }
}

public sealed record EnvVar
{
    public string Name { get; init; } = "";
    public string? Value { get; init; }
}

public sealed record Probe
{
    public TcpSocketAction? TcpSocket { get; init; }
    public HttpGetAction? HttpGet { get; init; }
    public ExecAction? Exec { get; init; }
    public int? InitialDelaySeconds { get; init; }
    public int? PeriodSeconds { get; init; }
    public int? TimeoutSeconds { get; init; }
    public int? SuccessThreshold { get; init; }
    public int? FailureThreshold { get; init; }
}

public sealed record TcpSocketAction
{
    public IntOrString Port { get; init; } = 0;
    public string? Host { get; init; }
}

public sealed record HttpGetAction
{
    public string? Path { get; init; }
    public IntOrString Port { get; init; } = 0;
    public string? Host { get; init; }
    public string? Scheme { get; init; }
}

public sealed record ExecAction
{
    public List<string>? Command { get; init; }
}

public sealed record PodStatus
{
    public string? Phase { get; init; }
    public string? PodIP { get; init; }
    public List<PodIP>? PodIPs { get; init; }
    public string? HostIP { get; init; }
    public List<Condition>? Conditions { get; init; }
    public List<ContainerStatus>? ContainerStatuses { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

public sealed record PodIP
{
    public string Ip { get; init; } = "";
}

public sealed record ContainerStatus
{
    public string Name { get; init; } = "";
    public bool Ready { get; init; }
    public int RestartCount { get; init; }
    public bool? Started { get; init; }
    public System.Text.Json.Nodes.JsonObject? State { get; init; }
}
