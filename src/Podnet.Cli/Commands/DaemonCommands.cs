using Podnet.ControlPlane;
using Podnet.Dns;

namespace Podnet.Cli.Commands;

/// <summary>The hidden daemon modes of the lab: the same binary runs the control plane, each
/// node's kubelet and the cluster DNS; arguments go to them untouched.</summary>
public static class DaemonCommands
{
    public static readonly CommandSpec ControlPlane = new("controlplane", "Run the lab control plane (API server, store, controllers)",
        "--socket PATH --data DIR", [], _ => Task.FromResult(2), Hidden: true, Raw: ControlPlaneHost.RunAsync);

    public static readonly CommandSpec Kubelet = new("kubelet", "Run a lab node's kubelet", "--lab NAME --node N [options]", [],
        _ => Task.FromResult(2), Hidden: true, Raw: Podnet.Lab.Kubelet.KubeletCommand.RunAsync);

    public static readonly CommandSpec Dns = new("dns", "Run the cluster DNS server", "[options]", [], _ => Task.FromResult(2),
        Hidden: true, Raw: DnsCommand.RunAsync);
}
