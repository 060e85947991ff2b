using Podnet.Api.Models;
using Podnet.Api.Selectors;
using Podnet.Api.Validation;

namespace Podnet.Api.Policy;

/// <summary>One NetworkPolicy with its selectors parsed and its policyTypes resolved.</summary>
internal sealed record CompiledPolicy(string Namespace, string Name, LabelSelector Subject, bool Ingress, bool Egress,
    IReadOnlyList<CompiledRule> IngressRules, IReadOnlyList<CompiledRule> EgressRules)
{
    public string Key => $"{Namespace}/{Name}";

    public static CompiledPolicy From(NetworkPolicy np)
    {
        var ns = np.Metadata.Namespace ?? "default";
        var key = $"{ns}/{np.Metadata.Name}";
        try
        {
            var (ingress, egress) = PolicyTypes.Of(np.Spec);
            return new(ns, np.Metadata.Name ?? "", LabelSelector.FromSpec(np.Spec.PodSelector ?? new()), ingress, egress,
                (np.Spec.Ingress ?? []).Select(r => CompiledRule.From(r.From, r.Ports)).ToList(),
                (np.Spec.Egress ?? []).Select(r => CompiledRule.From(r.To, r.Ports)).ToList());
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"NetworkPolicy \"{key}\": {e.Message}", e);
        }
    }
}

/// <summary>One ingress or egress rule. A null peer or port list means "all" (as does an empty one).</summary>
internal sealed record CompiledRule(IReadOnlyList<CompiledPeer>? Peers, IReadOnlyList<NetworkPolicyPort>? Ports)
{
    public static CompiledRule From(List<NetworkPolicyPeer>? peers, List<NetworkPolicyPort>? ports) => new(
        peers is { Count: > 0 } ? peers.Select(CompiledPeer.From).ToList() : null,
        ports is { Count: > 0 } ? ports : null);
}

/// <summary>One peer: pod selector and/or namespace selector (both must match), or an ipBlock.</summary>
internal sealed record CompiledPeer(LabelSelector? Pods, LabelSelector? Namespaces, Cidr? Block, IReadOnlyList<Cidr> Except)
{
    public static CompiledPeer From(NetworkPolicyPeer p)
    {
        if (p.IpBlock is { } b)
        {
            var cidr = Cidr.TryParse(b.Cidr, out var c) ? c : throw new FormatException($"ipBlock.cidr \"{b.Cidr}\" is not a CIDR");
            var except = (b.Except ?? []).Select(e => Cidr.TryParse(e, out var x) ? x : throw new FormatException($"ipBlock.except \"{e}\" is not a CIDR")).ToList();
            return new(null, null, cidr, except);
        }
        return new(p.PodSelector is null ? null : LabelSelector.FromSpec(p.PodSelector),
            p.NamespaceSelector is null ? null : LabelSelector.FromSpec(p.NamespaceSelector), null, []);
    }
}
