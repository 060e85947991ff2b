using System.Net;
using System.Net.Sockets;
using Podnet.Api.Models;
using Podnet.Api.Policy;
using Podnet.Api.Selectors;
using Podnet.Api.Validation;

namespace Podnet.Agent.Policy.Model;

/// <summary>A policy or pod the agent cannot use; the message names the object and the field.</summary>
public sealed class PolicyException(string message) : Exception(message);

/// <summary>Turns API objects into the normalized model (Kubernetes defaults applied).</summary>
public static class PolicyParser
{
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    public static PolicyInfo Parse(NetworkPolicy np)
    {
        string ns = np.Metadata.Namespace ?? "default", name = np.Metadata.Name ?? "";
        string where = $"networkpolicy {ns}/{name}";
        var spec = np.Spec;
        var podSel = Selector(spec.PodSelector ?? new(), where, "spec.podSelector");
        for (int i = 0; i < (spec.PolicyTypes?.Count ?? 0); i++)
            if (spec.PolicyTypes![i] is not ("Ingress" or "Egress"))
                throw new PolicyException($"{where}: spec.policyTypes[{i}]: \"{spec.PolicyTypes[i]}\" is neither Ingress nor Egress");
        var (ingress, egress) = PolicyTypes.Of(spec);
        var inRules = (spec.Ingress ?? []).Select((r, i) => Rule(r.From, r.Ports, where, $"spec.ingress[{i}]", "from")).ToList();
        var egRules = (spec.Egress ?? []).Select((r, i) => Rule(r.To, r.Ports, where, $"spec.egress[{i}]", "to")).ToList();
        return new PolicyInfo(ns, name, podSel, ingress, egress, inRules, egRules);
    }

    private static PolicyRule Rule(List<NetworkPolicyPeer>? peers, List<NetworkPolicyPort>? ports, string where, string field, string peerField)
    {
        List<Peer>? ps = null;
        if (peers is { Count: > 0 })
        {
            ps = [];
            for (int i = 0; i < peers.Count; i++)
            {
                var p = peers[i];
                var f = $"{field}.{peerField}[{i}]";
                if (p.IpBlock is { } b)
                {
                    if (p.PodSelector is not null || p.NamespaceSelector is not null)
                        throw new PolicyException($"{where}: {f}: ipBlock may not be combined with a selector");
                    if (Block(b, where, f + ".ipBlock") is { } blk) ps.Add(new Peer(null, null, blk));
                    continue;
                }
                if (p.PodSelector is null && p.NamespaceSelector is null)
                    throw new PolicyException($"{where}: {f}: a peer needs podSelector, namespaceSelector or ipBlock");
                ps.Add(new Peer(
                    p.PodSelector is null ? null : Selector(p.PodSelector, where, f + ".podSelector"),
                    p.NamespaceSelector is null ? null : Selector(p.NamespaceSelector, where, f + ".namespaceSelector"),
                    null));
            }
        }
        List<PolicyPort>? pp = null;
        if (ports is { Count: > 0 })
        {
            pp = [];
            for (int i = 0; i < ports.Count; i++) pp.Add(Port(ports[i], where, $"{field}.ports[{i}]"));
        }
        return new PolicyRule(ps, pp);
    }

    private static PolicyPort Port(NetworkPolicyPort p, string where, string f)
    {
        var proto = Protocols.Parse(p.Protocol) ?? throw new PolicyException($"{where}: {f}.protocol: \"{p.Protocol}\" is not TCP, UDP or SCTP");
        if (p.Port is null)
        {
            if (p.EndPort is not null) throw new PolicyException($"{where}: {f}.endPort: needs a numeric port");
            return new PolicyPort(proto);
        }
        if (p.Port.StringValue is { } name)
        {
            if (int.TryParse(name, out _) || name.Length == 0) throw new PolicyException($"{where}: {f}.port: \"{name}\" is not a port name");
            if (p.EndPort is not null) throw new PolicyException($"{where}: {f}.endPort: needs a numeric port, not \"{name}\"");
            return new PolicyPort(proto, Name: name);
        }
        int n = p.Port.IntValue!.Value;
        if (n is < 1 or > 65535) throw new PolicyException($"{where}: {f}.port: {n} is not between 1 and 65535");
        int end = p.EndPort ?? n;
        if (end < n || end > 65535) throw new PolicyException($"{where}: {f}.endPort: {end} must be between port {n} and 65535");
        return new PolicyPort(proto, (ushort)n, (ushort)end);
    }

    private static IpBlockInfo? Block(IPBlock b, string where, string f)
    {
        if (!Cidr.TryParse(b.Cidr, out var c)) throw new PolicyException($"{where}: {f}.cidr: \"{b.Cidr}\" is not a CIDR");
        if (c.Network.AddressFamily != AddressFamily.InterNetwork) return null; // IPv6 never matches IPv4 traffic
        var cidr = new IPNetwork(c.Network, c.PrefixLength); // host bits cleared, as Kubernetes accepts them
        var except = new List<IPNetwork>();
        for (int i = 0; i < (b.Except?.Count ?? 0); i++)
        {
            var e = b.Except![i];
            if (!Cidr.TryParse(e, out var ex) || ex.Network.AddressFamily != AddressFamily.InterNetwork)
                throw new PolicyException($"{where}: {f}.except[{i}]: \"{e}\" is not an IPv4 CIDR");
            if (!c.Contains(ex) || ex.PrefixLength == c.PrefixLength)
                throw new PolicyException($"{where}: {f}.except[{i}]: {e} is not a strict subset of cidr {b.Cidr}");
            except.Add(new IPNetwork(ex.Network, ex.PrefixLength));
        }
        return new IpBlockInfo(cidr, except);
    }

    private static LabelSelector Selector(LabelSelectorSpec spec, string where, string f)
    {
        try { return LabelSelector.FromSpec(spec); }
        catch (FormatException e) { throw new PolicyException($"{where}: {f}: {e.Message}"); }
    }

    /// <summary>The pod as a policy target or peer; null when policy does not apply to it (no IPv4 address yet, host network).</summary>
    public static PodInfo? Pod(Pod pod)
    {
        if (pod.Spec.HostNetwork == true) return null;
        var ipText = pod.Status?.PodIP ?? pod.Status?.PodIPs?.FirstOrDefault()?.Ip;
        if (ipText is null || !IPAddress.TryParse(ipText, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return null;
        if (pod.IsFinished) return null;
        var ports = new List<NamedPort>();
        // Containers and sidecars (init containers with restartPolicy Always), as Kubernetes resolves them.
        foreach (var c in pod.Spec.Containers.Concat((pod.Spec.InitContainers ?? []).Where(c => c.RestartPolicy == "Always")))
            foreach (var p in c.Ports ?? [])
                if (p.Name is { Length: > 0 } n && Protocols.Parse(p.Protocol) is { } proto && p.Port is > 0 and <= 65535)
                    ports.Add(new NamedPort(n, proto, (ushort)p.Port));
        return new PodInfo(pod.Metadata.Namespace ?? "default", pod.Metadata.Name ?? "", ip,
            pod.Metadata.Labels ?? new Dictionary<string, string>(), pod.Spec.NodeName, ports, pod.IsTerminating);
    }

    /// <summary>A namespace's labels, with <c>kubernetes.io/metadata.name</c> added when the object lacks it (as the API server defaults it).</summary>
    public static IReadOnlyDictionary<string, string> NamespaceLabels(string name, IReadOnlyDictionary<string, string>? labels)
    {
        var d = labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels);
        d.TryAdd(NamespaceNameLabel, name);
        return d;
    }
}
