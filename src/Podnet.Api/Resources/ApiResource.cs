namespace Podnet.Api.Resources;

/// <summary>One served resource type: its kind, group/version, URL plural and scope.</summary>
public sealed record ApiResource(string Group, string Version, string Kind, string Plural, bool Namespaced, bool HasStatus)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string ListKind => Kind + "List";

    /// <summary>Path prefix of the group version: <c>/api/v1</c> or <c>/apis/apps/v1</c>.</summary>
    public string GroupVersionPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    /// <summary>Collection path; a null namespace on a namespaced resource lists all namespaces.</summary>
    public string CollectionPath(string? ns) =>
        Namespaced && ns is not null ? $"{GroupVersionPath}/namespaces/{Esc(ns)}/{Plural}" : $"{GroupVersionPath}/{Plural}";

    public string ObjectPath(string? ns, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(ns))
            throw new ArgumentException($"{Kind} \"{name}\" needs a namespace");
        var p = $"{CollectionPath(ns)}/{Esc(name)}";
        return subresource is null ? p : $"{p}/{subresource}";
    }

    /// <summary>Storage key: <c>pods/default/coffee</c>, <c>nodes/node-1</c>.</summary>
    public string Key(string? ns, string name) => Namespaced ? $"{StoragePrefix}{ns}/{name}" : $"{StoragePrefix}{name}";

    /// <summary>Key prefix of the collection (all namespaces when ns is null).</summary>
    public string KeyPrefix(string? ns) => Namespaced && ns is not null ? $"{StoragePrefix}{ns}/" : StoragePrefix;

    public string StoragePrefix => Group.Length == 0 ? $"{Plural}/" : $"{Group}/{Plural}/";

    private static string Esc(string s) => Uri.EscapeDataString(s);
}

/// <summary>The resources Podnet serves, and lookups by kind and by URL segments.</summary>
public static class ApiResources
{
    public static readonly ApiResource Namespaces = new("", "v1", "Namespace", "namespaces", false, true);
    public static readonly ApiResource Nodes = new("", "v1", "Node", "nodes", false, true);
    public static readonly ApiResource Pods = new("", "v1", "Pod", "pods", true, true);
    public static readonly ApiResource Services = new("", "v1", "Service", "services", true, true);
    public static readonly ApiResource Deployments = new("apps", "v1", "Deployment", "deployments", true, true);
    public static readonly ApiResource NetworkPolicies = new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, false);
    public static readonly ApiResource Ingresses = new("networking.k8s.io", "v1", "Ingress", "ingresses", true, true);
    public static readonly ApiResource EndpointSlices = new("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, false);
    /// <summary>podnetd's per-node subnet leases (one object per subnet; see Podnet.Agent Overlay/Subnet).</summary>
    public static readonly ApiResource SubnetLeases = new("podnet.io", "v1", "SubnetLease", "subnetleases", false, false);

    public static readonly IReadOnlyList<ApiResource> All =
        [Namespaces, Nodes, Pods, Services, Deployments, NetworkPolicies, Ingresses, EndpointSlices, SubnetLeases];

    public static ApiResource? ByPath(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public static ApiResource? ByKind(string kind) => All.FirstOrDefault(r => r.Kind == kind);

    /// <summary>Resolves kind + apiVersion, with an error message naming what is wrong.</summary>
    public static bool TryResolve(string? kind, string? apiVersion, out ApiResource? resource, out string error)
    {
        resource = null;
        if (string.IsNullOrEmpty(kind)) { error = "kind is missing"; return false; }
        if (string.IsNullOrEmpty(apiVersion)) { error = $"apiVersion is missing (kind {kind})"; return false; }
        var byKind = ByKind(kind);
        if (byKind is null)
        {
            var known = string.Join(", ", All.Select(r => r.Kind));
            error = $"unknown kind \"{kind}\" (apiVersion {apiVersion}); known kinds: {known}";
            return false;
        }
        if (byKind.ApiVersion != apiVersion)
        {
            error = $"kind {kind} does not exist in apiVersion \"{apiVersion}\" (use \"{byKind.ApiVersion}\")";
            return false;
        }
        resource = byKind;
        error = "";
        return true;
    }

    public static ApiResource Resolve(string? kind, string? apiVersion) =>
        TryResolve(kind, apiVersion, out var r, out var e) ? r! : throw new ArgumentException(e);
}
