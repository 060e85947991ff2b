using System.Net;
using Podnet.Api.Selectors;

namespace Podnet.Agent.Policy.Model;

public enum Direction { Ingress, Egress }

/// <summary>A pod as policy sees it: an IPv4 address, labels, its node and its named container ports.</summary>
public sealed record PodInfo(string Namespace, string Name, IPAddress Ip, IReadOnlyDictionary<string, string> Labels,
    string? NodeName, IReadOnlyList<NamedPort> Ports, bool Terminating = false)
{
    public string Key => $"{Namespace}/{Name}";
    public override string ToString() => $"pod {Key} ({Ip})";
}

/// <summary>A named container port: what "port: http" in a policy resolves to on this pod.</summary>
public sealed record NamedPort(string Name, byte Protocol, ushort Port);

/// <summary>
/// One entry of a rule's <c>ports</c>: a protocol and either every port (<see cref="From"/> null),
/// one port or a range <see cref="From"/>..<see cref="To"/>, or a name resolved on the destination pod.
/// </summary>
public sealed record PolicyPort(byte Protocol, ushort? From = null, ushort? To = null, string? Name = null)
{
    public bool IsNamed => Name is not null;
    public override string ToString() => $"{Protocols.Name(Protocol)}/{Name ?? (From is null ? "*" : To is { } t && t != From ? $"{From}-{t}" : $"{From}")}";
}

/// <summary>A CIDR minus its exceptions (IPv4 only: the data path is IPv4).</summary>
public sealed record IpBlockInfo(IPNetwork Cidr, IReadOnlyList<IPNetwork> Except);

/// <summary>One peer: pods (selector, in the policy's namespace unless a namespace selector is given), or an ipBlock.</summary>
public sealed record Peer(LabelSelector? Pods, LabelSelector? Namespaces, IpBlockInfo? Block)
{
    public bool IsSelector => Block is null;
}

/// <summary>
/// One ingress or egress rule. <see cref="Peers"/> null means every peer (no from/to, or an empty
/// list); <see cref="Ports"/> null means every port and protocol.
/// </summary>
public sealed record PolicyRule(IReadOnlyList<Peer>? Peers, IReadOnlyList<PolicyPort>? Ports);

/// <summary>A NetworkPolicy, normalized: which pods it selects, for which directions, and its rules.</summary>
public sealed record PolicyInfo(string Namespace, string Name, LabelSelector PodSelector, bool Ingress, bool Egress,
    IReadOnlyList<PolicyRule> IngressRules, IReadOnlyList<PolicyRule> EgressRules)
{
    public string Key => $"{Namespace}/{Name}";
    public bool Has(Direction d) => d == Direction.Ingress ? Ingress : Egress;
    public IReadOnlyList<PolicyRule> Rules(Direction d) => d == Direction.Ingress ? IngressRules : EgressRules;
    public override string ToString() => $"networkpolicy {Key}";
}

public static class Protocols
{
    public const byte Tcp = 6, Udp = 17, Sctp = 132;

    public static string Name(byte p) => p switch { Tcp => "tcp", Udp => "udp", Sctp => "sctp", _ => p.ToString() };

    /// <summary>A Kubernetes protocol name (default TCP); null when unknown.</summary>
    public static byte? Parse(string? s) => (s ?? "TCP") switch { "TCP" => Tcp, "UDP" => Udp, "SCTP" => Sctp, _ => null };
}
