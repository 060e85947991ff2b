namespace Podnet.Agent.Proxy;

/// <summary>
/// Names of everything in the proxy's table. The chains are fixed; a service without session
/// affinity lives only in the sets and data maps below, so adding or changing one is element
/// operations. Services with ClientIP affinity get kube-proxy-style chains of their own.
/// </summary>
public static class ProxyNames
{
    /// <summary>Key families: "ip" = daddr . proto . dport (ClusterIP, external, load-balancer), "np" = proto . dport (nodeports).</summary>
    public const string Ip = "ip", Np = "np";

    // Which behaviour a key gets.
    public const string ClusterIpsSet = "cluster-ips", ExternalIpsSet = "external-ips", ExternalLocalIpsSet = "external-local-ips",
        NodePortsSet = "nodeports-cluster", NodePortsLocalSet = "nodeports-local";
    // Services with affinity: key -> goto their own chain.
    public const string AffinityIpsMap = "affinity-service-ips", AffinityNodePortsMap = "affinity-nodeports";
    // Keys without endpoints (reject); load-balancer addresses guarded by loadBalancerSourceRanges and the allowed sources.
    public const string NoEndpointIpsSet = "no-endpoint-ips", NoEndpointNodePortsSet = "no-endpoint-node-ports";
    public const string FirewallIpsSet = "firewall-addrs", FirewallAllowSet = "firewall-allow";
    // (endpoint . endpoint): a pod reaching itself through a service, masqueraded.
    public const string HairpinSet = "hairpin";

    public const string Services = "services", NodePorts = "nodeports", Masquerading = "masquerading",
        EndpointsCheck = "service-endpoints-check", FirewallCheck = "firewall-check", Reject = "reject-chain";

    /// <summary>Behaviour chains: "cluster", "external", "external-local" (prefixed "np-" for nodeports).</summary>
    public static string Behaviour(string d, string kind) => d == Ip ? kind : $"np-{kind}";

    /// <summary>Endpoint choice of a key family: its own endpoints, or ("cs") the cluster side of policy Local.</summary>
    public static string Pick(string d, bool clusterSide) => $"{d}-pick{(clusterSide ? "-cs" : "")}";

    /// <summary>Keys whose endpoint list has n entries.</summary>
    public static string Count(string d, bool clusterSide, int n) => $"{d}{(clusterSide ? "-cs" : "")}-count-{n}";

    /// <summary>(key . index) -> endpoint address . port.</summary>
    public static string Endpoints(string d, bool clusterSide) => $"{d}{(clusterSide ? "-cs" : "")}-endpoints";

    // Chains and sets of one service with affinity; the names embed the service port, as kube-proxy's do.
    public static string Service(ServicePortName s) => $"service-{s}";
    public static string External(ServicePortName s) => $"external-{s}";
    public static string Endpoint(ServicePortName s, EndpointInfo e) => $"endpoint-{s}__{e}";
    public static string Affinity(ServicePortName s, EndpointInfo e) => $"affinity-{s}__{e}";
}
