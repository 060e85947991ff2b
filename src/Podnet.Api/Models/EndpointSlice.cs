namespace Podnet.Api.Models;

public sealed record EndpointSlice : IKubeObject
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";

    public string ApiVersion { get; init; } = "discovery.k8s.io/v1";
    public string Kind { get; init; } = "EndpointSlice";
    public ObjectMeta Metadata { get; init; } = new();
    public string AddressType { get; init; } = "IPv4";
    public List<Endpoint> Endpoints { get; init; } = [];
    public List<EndpointPort>? Ports { get; init; }
}

public sealed record Endpoint
{
    public List<string> Addresses { get; init; } = [];
    public EndpointConditions Conditions { get; init; } = new();
    public string? Hostname { get; init; }
    public string? NodeName { get; init; }
    public string? Zone { get; init; }
    public ObjectReference? TargetRef { get; init; }
}

public sealed record EndpointConditions
{
    public bool? Ready { get; init; }
    public bool? Serving { get; init; }
    public bool? Terminating { get; init; }
}

public sealed record EndpointPort
{
    public string? Name { get; init; }
    public string? Protocol { get; init; }
    public int? Port { get; init; }
    public string? AppProtocol { get; init; }
}
