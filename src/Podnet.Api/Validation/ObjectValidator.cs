using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;

namespace Podnet.Api.Validation;

/// <summary>Validates objects before they are stored. Returns every problem found, each naming
/// its field; the API server answers 422 with them and the CLI can check offline.</summary>
public static class ObjectValidator
{
    public static IReadOnlyList<FieldError> Validate(ApiResource resource, JsonObject obj)
    {
        var errs = new FieldErrors();
        try
        {
            switch (resource.Kind)
            {
                case "Pod": PodValidator.ValidatePod(KubeJson.As<Pod>(obj), errs); break;
                case "Service": ServiceValidator.Validate(KubeJson.As<Service>(obj), errs); break;
                case "Deployment": PodValidator.ValidateDeployment(KubeJson.As<Deployment>(obj), errs); break;
                case "NetworkPolicy": NetworkPolicyValidator.Validate(KubeJson.As<NetworkPolicy>(obj), errs); break;
                case "Ingress": IngressValidator.Validate(KubeJson.As<Ingress>(obj), errs); break;
                case "EndpointSlice": ValidateEndpointSlice(KubeJson.As<EndpointSlice>(obj), errs); break;
                case "Node": ValidateNode(KubeJson.As<Node>(obj), errs); break;
                case "Namespace": ValidateMeta(KubeJson.As<Namespace>(obj).Metadata, errs, Names.Dns1123Label); break;
            }
        }
        catch (JsonException e)
        {
            // A field of the wrong JSON type: name it by its path ($.spec.ports[0].port → spec.ports[0].port).
            var path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            errs.Invalid(path.Length == 0 ? "<root>" : path, TypeOf(obj, path), "wrong type: " + FirstLine(e.Message));
        }
        return errs;
    }

    /// <summary>Name rule for each kind, as in Kubernetes.</summary>
    public static Func<string, string?> NameRule(ApiResource r) => r.Kind switch
    {
        "Namespace" => Names.Dns1123Label,
        "Service" => Names.Dns1035Label,
        _ => Names.Dns1123Subdomain,
    };

    public static void ValidateMeta(ObjectMeta meta, FieldErrors errs, Func<string, string?> nameRule)
    {
        if (string.IsNullOrEmpty(meta.Name)) errs.Required("metadata.name", "name or generateName is required");
        else if (nameRule(meta.Name) is { } e) errs.Invalid("metadata.name", meta.Name, e);
        ValidateLabels(meta.Labels, "metadata.labels", errs);
        foreach (var key in meta.Annotations?.Keys ?? Enumerable.Empty<string>())
            if (Names.LabelKeyError(key) is { } e) errs.Invalid("metadata.annotations", key, e);
    }

    public static void ValidateLabels(IReadOnlyDictionary<string, string>? labels, string field, FieldErrors errs)
    {
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            if (Names.LabelKeyError(k) is { } ke) errs.Invalid(field, k, ke);
            if (Names.LabelValueError(v) is { } ve) errs.Invalid($"{field}[{k}]", v, ve);
        }
    }

    public static void ValidateSelector(LabelSelectorSpec? sel, string field, FieldErrors errs)
    {
        if (sel is null) return;
        ValidateLabels(sel.MatchLabels, field + ".matchLabels", errs);
        for (int i = 0; i < (sel.MatchExpressions?.Count ?? 0); i++)
        {
            var e = sel.MatchExpressions![i];
            var f = $"{field}.matchExpressions[{i}]";
            if (Names.LabelKeyError(e.Key) is { } ke) errs.Invalid(f + ".key", e.Key, ke);
            switch (e.Operator)
            {
                case "In" or "NotIn":
                    if (e.Values is not { Count: > 0 }) errs.Required(f + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
                    break;
                case "Exists" or "DoesNotExist":
                    if (e.Values is { Count: > 0 }) errs.Forbidden(f + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    break;
                default:
                    errs.NotSupported(f + ".operator", e.Operator, "DoesNotExist", "Exists", "In", "NotIn");
                    break;
            }
            foreach (var v in e.Values ?? [])
                if (Names.LabelValueError(v) is { } ve) errs.Invalid(f + ".values", v, ve);
        }
    }

    public static void Forbidden(this FieldErrors errs, string field, string detail) => errs.Add(FieldError.Forbidden(field, detail));

    public static void ValidatePort(int port, string field, FieldErrors errs)
    {
        if (port is < 1 or > 65535) errs.Invalid(field, port, "must be between 1 and 65535, inclusive");
    }

    public static void ValidateProtocol(string? protocol, string field, FieldErrors errs)
    {
        if (protocol is not null and not ("TCP" or "UDP" or "SCTP")) errs.NotSupported(field, protocol, "SCTP", "TCP", "UDP");
    }

    private static void ValidateNode(Node node, FieldErrors errs)
    {
        ValidateMeta(node.Metadata, errs, Names.Dns1123Subdomain);
        if (node.Spec.PodCIDR is { Length: > 0 } c && !Cidr.TryParse(c, out _))
            errs.Invalid("spec.podCIDR", c, "must be a valid CIDR (e.g. 10.244.1.0/24)");
        for (int i = 0; i < (node.Spec.PodCIDRs?.Count ?? 0); i++)
            if (!Cidr.TryParse(node.Spec.PodCIDRs![i], out _))
                errs.Invalid($"spec.podCIDRs[{i}]", node.Spec.PodCIDRs[i], "must be a valid CIDR (e.g. 10.244.1.0/24)");
    }

    private static void ValidateEndpointSlice(EndpointSlice s, FieldErrors errs)
    {
        ValidateMeta(s.Metadata, errs, Names.Dns1123Subdomain);
        if (s.AddressType is not ("IPv4" or "IPv6" or "FQDN")) errs.NotSupported("addressType", s.AddressType, "FQDN", "IPv4", "IPv6");
        for (int i = 0; i < s.Endpoints.Count; i++)
        {
            var ep = s.Endpoints[i];
            if (ep.Addresses.Count is < 1 or > 100) errs.Invalid($"endpoints[{i}].addresses", ep.Addresses.Count, "must contain between 1 and 100 addresses");
            for (int j = 0; j < ep.Addresses.Count; j++)
                if (s.AddressType != "FQDN" && !IPAddress.TryParse(ep.Addresses[j], out _))
                    errs.Invalid($"endpoints[{i}].addresses[{j}]", ep.Addresses[j], "must be a valid IP address");
        }
        for (int i = 0; i < (s.Ports?.Count ?? 0); i++)
        {
            var p = s.Ports![i];
            if (p.Port is int n) ValidatePort(n, $"ports[{i}].port", errs);
            ValidateProtocol(p.Protocol, $"ports[{i}].protocol", errs);
        }
    }

    private static object? TypeOf(JsonObject obj, string path)
    {
        try
        {
            JsonNode? cur = obj;
            foreach (var seg in path.Replace("]", "").Split('.', '['))
                cur = int.TryParse(seg, out var idx) && cur is JsonArray a ? a[idx] : cur?[seg];
            return cur is JsonValue v && v.TryGetValue<string>(out var s) ? s : cur?.ToJsonString();
        }
        catch (Exception) { return null; }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Split(" Path:")[0];
}
