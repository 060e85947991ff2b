using Podnet.Dns.Zone;

namespace Podnet.Dns.Cluster;

/// <summary>Where cluster state comes from (the API's informers in production). Calls <c>publish</c> with every new full state.</summary>
public interface IClusterSource
{
    Task RunAsync(Action<ClusterState> publish, CancellationToken ct);
}
