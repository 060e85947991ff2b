using System.Net;
using Podnet.Api.Models;

namespace Podnet.Api.Policy;

/// <summary>The reference semantics of networking.k8s.io/v1 NetworkPolicy, written from the API
/// documentation and independent of how podnetd compiles rules: whether a new connection from
/// <c>src</c> to <c>dst</c> on a port and protocol is allowed.
/// <list type="bullet">
/// <item>A pod is isolated for egress (ingress) when some policy in its namespace selects it and
/// has Egress (Ingress) among its policyTypes; the two directions are independent.</item>
/// <item>Traffic needs both: the source's egress allows it and the destination's ingress allows it.
/// A direction that is not isolated allows everything; an isolated one allows what the union of
/// the rules of all its policies allows.</item>
/// <item>A rule matches when one of its peers matches (OR) and one of its ports matches (empty
/// lists match all). Inside one peer, podSelector and namespaceSelector must both match (AND); a
/// podSelector alone means the policy's namespace; ipBlock matches the address outside its excepts.</item>
/// <item>Named ports are resolved on the destination pod; endPort makes a range; protocol defaults to TCP.</item>
/// <item>A pod is never blocked from itself, and traffic from a pod's own node is always let in.</item>
/// </list></summary>
public sealed class PolicyEvaluator
{
    private readonly Dictionary<string, PolicyNamespace> _namespaces;
    private readonly List<CompiledPolicy> _policies;

    /// <summary>Throws <see cref="ArgumentException"/> naming the policy if one cannot be read (bad selector operator, bad CIDR).</summary>
    public PolicyEvaluator(IEnumerable<PolicyNamespace> namespaces, IEnumerable<NetworkPolicy> policies)
    {
        _namespaces = namespaces.ToDictionary(n => n.Name);
        _policies = policies.Select(CompiledPolicy.From).ToList();
    }

    public bool Allowed(PolicyEndpoint src, PolicyEndpoint dst, int port, string protocol) => Evaluate(src, dst, port, protocol).Allowed;

    public Verdict Evaluate(PolicyEndpoint src, PolicyEndpoint dst, int port, string protocol)
    {
        var proto = protocol.ToUpperInvariant();
        if (src is PodEndpoint s && dst is PodEndpoint d && s.Pod.Key == d.Pod.Key)
            return new(true, "a pod is never blocked from itself");

        var egress = src is PodEndpoint sp ? Direction(sp.Pod, dst, dst, port, proto, egress: true) : null;
        if (egress is { Allowed: false }) return egress;

        Verdict? ingress = null;
        if (dst is PodEndpoint dp)
        {
            ingress = src is IpEndpoint { Node: { } node } && node == dp.Pod.Node
                ? new(true, $"from {dp.Pod.Key}'s own node")
                : Direction(dp.Pod, src, dst, port, proto, egress: false);
            if (!ingress.Allowed) return ingress;
        }
        var reasons = new[] { egress?.Reason, ingress?.Reason }.Where(r => r is not null);
        return new(true, string.Join("; ", reasons));
    }

    /// <summary>Egress of <paramref name="subject"/> towards <paramref name="peer"/>, or ingress of
    /// <paramref name="subject"/> from <paramref name="peer"/>; ports are always checked on <paramref name="dst"/>.</summary>
    private Verdict Direction(PolicyPod subject, PolicyEndpoint peer, PolicyEndpoint dst, int port, string proto, bool egress)
    {
        var dir = egress ? "egress" : "ingress";
        var isolating = _policies
            .Where(p => p.Namespace == subject.Namespace && (egress ? p.Egress : p.Ingress) && p.Subject.Matches(subject.Labels))
            .ToList();
        if (isolating.Count == 0) return new(true, $"{dir} of {subject.Key} is not isolated");
        foreach (var p in isolating)
            foreach (var rule in egress ? p.EgressRules : p.IngressRules)
                if (PeersMatch(rule, p.Namespace, peer) && PortsMatch(rule, dst, port, proto))
                    return new(true, $"{dir} of {subject.Key} allowed by {p.Key}");
        var what = egress ? $"to {peer}" : $"from {peer}";
        return new(false, $"{dir} of {subject.Key} is isolated by {string.Join(", ", isolating.Select(p => p.Key))} and no rule allows {what} {proto}/{port}");
    }

    private bool PeersMatch(CompiledRule rule, string policyNs, PolicyEndpoint peer) =>
        rule.Peers is null || rule.Peers.Any(p => PeerMatches(p, policyNs, peer));

    private bool PeerMatches(CompiledPeer p, string policyNs, PolicyEndpoint peer)
    {
        if (p.Block is { } block)
            return block.Contains(peer.Ip) && !p.Except.Any(e => e.Contains(peer.Ip));
        if (peer is not PodEndpoint { Pod: var pod }) return false;
        if (p.Namespaces is null)
            return pod.Namespace == policyNs && (p.Pods?.Matches(pod.Labels) ?? false);
        var nsLabels = _namespaces.TryGetValue(pod.Namespace, out var ns) ? ns.Labels : new Dictionary<string, string>();
        return p.Namespaces.Matches(nsLabels) && (p.Pods is null || p.Pods.Matches(pod.Labels));
    }

    private static bool PortsMatch(CompiledRule rule, PolicyEndpoint dst, int port, string proto) =>
        rule.Ports is null || rule.Ports.Any(p => PortMatches(p, dst, port, proto));

    private static bool PortMatches(NetworkPolicyPort p, PolicyEndpoint dst, int port, string proto)
    {
        if ((p.Protocol ?? "TCP").ToUpperInvariant() != proto) return false;
        if (p.Port is null) return true;
        if (p.Port.IntValue is int first) return p.EndPort is int last ? port >= first && port <= last : port == first;
        // A named port: the destination pod must have a container port of that name and protocol, and it must be this port.
        return dst is PodEndpoint { Pod: var pod }
               && pod.Ports.Any(cp => cp.Name == p.Port.StringValue && cp.Protocol.ToUpperInvariant() == proto && cp.Port == port);
    }
}
