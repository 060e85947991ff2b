using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Controllers;

public interface IController
{
    Task RunAsync(CancellationToken ct);
}

/// <summary>The controllers that run in the control plane process.</summary>
public static class ControllerSet
{
    public static IReadOnlyList<IController> Create(ResourceService svc, ControlPlaneOptions options) =>
    [
        new NodeIpamController(svc, options.ClusterCidr, options.NodeCidrMaskSize),
        new SchedulerController(svc),
        new EndpointSliceController(svc),
        new DeploymentController(svc),
        new PodGcController(svc),
    ];
}
