namespace Podnet.Dns.Cluster;

/// <summary>Cluster state from the Podnet API (Services, EndpointSlices, Pods through informers).</summary>
public static class ApiClusterSource
{
    public static IClusterSource Create(string socket, Action<string>? log) =>
        throw new InvalidOperationException($"the cluster API client is not available yet (api socket {socket})");
}
