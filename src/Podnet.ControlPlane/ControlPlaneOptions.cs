using Podnet.Api.Validation;

namespace Podnet.ControlPlane;

public sealed record ControlPlaneOptions
{
    /// <summary>Unix socket the API listens on (e.g. /run/podnet/lab/api.sock).</summary>
    public required string SocketPath { get; init; }

    /// <summary>Directory of the durable store (e.g. /var/lib/podnet/lab).</summary>
    public required string DataDir { get; init; }

    public Cidr ClusterCidr { get; init; } = Cidr.Parse("10.244.0.0/16");
    public int NodeCidrMaskSize { get; init; } = 24;
    public Cidr ServiceCidr { get; init; } = Cidr.Parse("10.96.0.0/12");
    public bool RunControllers { get; init; } = true;
}
