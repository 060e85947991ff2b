using Podnet.Cli.Args;

namespace Podnet.Cli.Resources;

/// <summary>A resource type as the CLI names it: kind, plural, singular, short names (kubectl's).</summary>
public sealed record ResourceType(string Kind, string Plural, string Singular, IReadOnlyList<string> ShortNames, string Group, string Version, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The prefix kubectl prints in <c>pod/x created</c>, <c>deployment.apps/x</c>.</summary>
    public string Qualified => Group.Length == 0 ? Singular : $"{Singular}.{Group}";

    /// <summary>The plural kubectl prints in errors: <c>pods "x" not found</c>, <c>deployments.apps "x"</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}

public static class ResourceTypes
{
    public static readonly ResourceType Pods = new("Pod", "pods", "pod", ["po"], "", "v1", true);
    public static readonly ResourceType Services = new("Service", "services", "service", ["svc"], "", "v1", true);
    public static readonly ResourceType Deployments = new("Deployment", "deployments", "deployment", ["deploy"], "apps", "v1", true);
    public static readonly ResourceType Nodes = new("Node", "nodes", "node", ["no"], "", "v1", false);
    public static readonly ResourceType Namespaces = new("Namespace", "namespaces", "namespace", ["ns"], "", "v1", false);
    public static readonly ResourceType NetworkPolicies = new("NetworkPolicy", "networkpolicies", "networkpolicy", ["netpol"], "networking.k8s.io", "v1", true);
    public static readonly ResourceType Ingresses = new("Ingress", "ingresses", "ingress", ["ing"], "networking.k8s.io", "v1", true);
    // Podnet serves EndpointSlices only, so kubectl's Endpoints names ("ep", "endpoints") lead to them.
    public static readonly ResourceType EndpointSlices = new("EndpointSlice", "endpointslices", "endpointslice", ["ep", "endpoints", "eps"], "discovery.k8s.io", "v1", true);

    public static readonly IReadOnlyList<ResourceType> All =
        [Pods, Services, Deployments, EndpointSlices, Nodes, Namespaces, NetworkPolicies, Ingresses];

    /// <summary>What <c>get all</c> shows, as in kubectl (the workload and service types).</summary>
    public static readonly IReadOnlyList<ResourceType> AllCategory = [Pods, Services, Deployments];

    public static ResourceType? ByKind(string kind) => All.FirstOrDefault(t => t.Kind == kind);

    /// <summary>Resolves <c>po</c>, <c>pod</c>, <c>pods</c>, <c>Pod</c>, <c>deployments.apps</c>, <c>deploy.v1.apps</c>.</summary>
    public static ResourceType? TryResolve(string name)
    {
        var s = name.ToLowerInvariant();
        var dot = s.IndexOf('.');
        string head = dot < 0 ? s : s[..dot];
        string? qualifier = dot < 0 ? null : s[(dot + 1)..];
        foreach (var t in All)
        {
            bool nameMatch = head == t.Plural || head == t.Singular || head == t.Kind.ToLowerInvariant() || t.ShortNames.Contains(head);
            if (!nameMatch) continue;
            if (qualifier is null || qualifier == t.Group || qualifier == $"{t.Version}.{t.Group}".TrimEnd('.') || (t.Group.Length == 0 && qualifier == t.Version))
                return t;
        }
        return null;
    }

    public static ResourceType Resolve(string name) =>
        TryResolve(name) ?? throw new UsageException($"the server doesn't have a resource type \"{name}\"");

    /// <summary>Splits <c>po,svc</c> and expands <c>all</c>; duplicates are dropped.</summary>
    public static IReadOnlyList<ResourceType> ResolveList(string arg)
    {
        var result = new List<ResourceType>();
        foreach (var part in arg.Split(','))
        {
            if (part.Length == 0) throw new UsageException($"empty resource type in \"{arg}\"");
            var types = part.Equals("all", StringComparison.OrdinalIgnoreCase) ? AllCategory : [Resolve(part)];
            foreach (var t in types) if (!result.Contains(t)) result.Add(t);
        }
        return result;
    }
}
