namespace Podnet.Agent.Proxy;

/// <summary>Names of everything in the proxy's table; per-service names embed the service port, as kube-proxy's do.</summary>
public static class ProxyNames
{
    public const string Services = "services", NodePorts = "nodeports", MarkForMasq = "mark-for-masquerade",
        Masquerading = "masquerading", Reject = "reject-chain", EndpointsCheck = "service-endpoints-check",
        FirewallCheck = "firewall-check", ClusterIpsCheck = "cluster-ips-check";

    public const string ServiceIpsMap = "service-ips", NodePortsMap = "service-nodeports",
        NoEndpointServicesMap = "no-endpoint-services", NoEndpointNodePortsMap = "no-endpoint-nodeports",
        FirewallIpsMap = "firewall-ips", ClusterIpsSet = "cluster-ips";

    public static string Service(ServicePortName s) => $"service-{s}";
    public static string External(ServicePortName s) => $"external-{s}";
    public static string Local(ServicePortName s) => $"local-{s}";
    public static string Firewall(ServicePortName s) => $"firewall-{s}";
    public static string Endpoint(ServicePortName s, EndpointInfo e) => $"endpoint-{s}__{e}";
    public static string Affinity(ServicePortName s, EndpointInfo e) => $"affinity-{s}__{e}";

    /// <summary>Chains and sets whose names start with these belong to one service port.</summary>
    public static readonly string[] PerServicePrefixes = ["service-", "external-", "local-", "firewall-", "endpoint-", "affinity-"];
}
