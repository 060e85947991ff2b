using System.Net;
using Podnet.Api.Models;

namespace Podnet.Api.Policy;

/// <summary>A namespace as NetworkPolicy sees it: its name and labels.</summary>
public sealed record PolicyNamespace(string Name, IReadOnlyDictionary<string, string> Labels)
{
    public static PolicyNamespace From(Namespace ns) =>
        new(ns.Metadata.Name ?? "", ns.Metadata.Labels ?? new Dictionary<string, string>());
}

/// <summary>A container port of a pod (named ports are resolved on the destination pod).</summary>
public sealed record PodPort(string? Name, int Port, string Protocol);

/// <summary>A pod as NetworkPolicy sees it: where it lives, its labels, its IP and its ports.</summary>
public sealed record PolicyPod(string Namespace, string Name, IReadOnlyDictionary<string, string> Labels, IPAddress Ip,
    IReadOnlyList<PodPort> Ports, string? Node = null)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>From an API pod (it must have an IP: a pod without one sends and receives nothing).</summary>
    public static PolicyPod From(Pod pod)
    {
        var ip = pod.Status?.PodIP is { Length: > 0 } s ? IPAddress.Parse(s)
            : throw new ArgumentException($"pod \"{pod.Metadata.Namespace}/{pod.Metadata.Name}\" has no IP yet");
        // Containers and sidecars (init containers with restartPolicy Always): where Kubernetes resolves named ports.
        var ports = pod.Spec.Containers.Concat((pod.Spec.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"))
            .SelectMany(c => c.Ports ?? [])
            .Select(p => new PodPort(p.Name, p.Port, p.Protocol ?? "TCP"))
            .ToList();
        return new(pod.Metadata.Namespace ?? "default", pod.Metadata.Name ?? "", pod.Metadata.Labels ?? new Dictionary<string, string>(),
            ip, ports, pod.Spec.NodeName);
    }

    public override string ToString() => Key;
}

/// <summary>One end of a connection: a pod, or a bare IP (outside the cluster, or a node).</summary>
public abstract record PolicyEndpoint
{
    public abstract IPAddress Ip { get; }
}

public sealed record PodEndpoint(PolicyPod Pod) : PolicyEndpoint
{
    public override IPAddress Ip => Pod.Ip;
    public override string ToString() => Pod.Key;
}

/// <summary>An address that is not a pod. <paramref name="Node"/> names the node when the address
/// is a node's own (traffic from a pod's own node is always allowed in).</summary>
public sealed record IpEndpoint(IPAddress Address, string? Node = null) : PolicyEndpoint
{
    public override IPAddress Ip => Address;
    public override string ToString() => Node is null ? Address.ToString() : $"{Node} ({Address})";
}

/// <summary>The answer with the reason, for tables that explain a difference.</summary>
public sealed record Verdict(bool Allowed, string Reason)
{
    public override string ToString() => (Allowed ? "allowed: " : "denied: ") + Reason;
}
