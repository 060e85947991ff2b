using System.Net;
using Podnet.Api.Models;

namespace Podnet.Api.Validation;

public static class ServiceValidator
{
    public const int NodePortMin = 30000, NodePortMax = 32767;

    public static void Validate(Service svc, FieldErrors errs)
    {
        ObjectValidator.ValidateMeta(svc.Metadata, errs, Names.Dns1035Label);
        var spec = svc.Spec;
        var type = spec.Type ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
            errs.NotSupported("spec.type", type, "ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
        var headless = spec.ClusterIP == "None";
        if (spec.ClusterIP is { Length: > 0 } ip && !headless && !IPAddress.TryParse(ip, out _))
            errs.Invalid("spec.clusterIP", ip, "must be empty, 'None', or a valid IP address");
        if (headless && type is "NodePort" or "LoadBalancer")
            errs.Invalid("spec.clusterIP", "None", $"may not be set to 'None' for {type} services");
        if (type == "ExternalName" && string.IsNullOrEmpty(spec.ExternalName))
            errs.Required("spec.externalName");
        var ports = spec.Ports ?? [];
        if (ports.Count == 0 && !headless && type != "ExternalName") errs.Required("spec.ports");
        var names = new HashSet<string>();
        var pairs = new HashSet<(int, string)>();
        for (int i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var f = $"spec.ports[{i}]";
            if (string.IsNullOrEmpty(p.Name))
            {
                if (ports.Count > 1) errs.Required(f + ".name", "must be specified when there is more than one port");
            }
            else if (Names.Dns1123Label(p.Name) is { } ne) errs.Invalid(f + ".name", p.Name, ne);
            else if (!names.Add(p.Name)) errs.Add(FieldError.Duplicate(f + ".name", p.Name));
            ObjectValidator.ValidatePort(p.Port, f + ".port", errs);
            ObjectValidator.ValidateProtocol(p.Protocol, f + ".protocol", errs);
            if (!pairs.Add((p.Port, p.Protocol ?? "TCP")))
                errs.Add(FieldError.Duplicate(f, new RawValue($"{{\"port\":{p.Port},\"protocol\":\"{p.Protocol ?? "TCP"}\"}}")));
            if (p.TargetPort is { } tp)
            {
                // A targetPort defaulted from an invalid port would only repeat the port's error.
                if (tp.IntValue is int t && t != p.Port) ObjectValidator.ValidatePort(t, f + ".targetPort", errs);
                else if (tp.StringValue is { } s && Names.PortName(s) is { } te) errs.Invalid(f + ".targetPort", s, te);
            }
            if (p.NodePort is int np && np != 0)
            {
                if (type is not ("NodePort" or "LoadBalancer"))
                    errs.Forbidden(f + ".nodePort", $"may not be used when `type` is '{type}'");
                else if (np is < NodePortMin or > NodePortMax)
                    errs.Invalid(f + ".nodePort", np, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}");
            }
        }
        ObjectValidator.ValidateLabels(spec.Selector, "spec.selector", errs);
        if (spec.ExternalTrafficPolicy is { } etp)
        {
            if (etp is not ("Cluster" or "Local")) errs.NotSupported("spec.externalTrafficPolicy", etp, "Cluster", "Local");
            else if (type is not ("NodePort" or "LoadBalancer") && etp == "Local")
                errs.Invalid("spec.externalTrafficPolicy", etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
        }
        if (spec.InternalTrafficPolicy is { } itp && itp is not ("Cluster" or "Local"))
            errs.NotSupported("spec.internalTrafficPolicy", itp, "Cluster", "Local");
        if (spec.SessionAffinity is { } sa && sa is not ("None" or "ClientIP"))
            errs.NotSupported("spec.sessionAffinity", sa, "ClientIP", "None");
        ValidateAffinityConfig(spec, errs);
        for (int i = 0; i < (spec.LoadBalancerSourceRanges?.Count ?? 0); i++)
        {
            var r = spec.LoadBalancerSourceRanges![i];
            var f = $"spec.loadBalancerSourceRanges[{i}]";
            if (type != "LoadBalancer")
            {
                errs.Forbidden("spec.loadBalancerSourceRanges", $"may only be used when `type` is 'LoadBalancer'");
                break;
            }
            if (!Cidr.TryParse(r?.Trim(), out _))
                errs.Invalid(f, r, "must be a valid CIDR, e.g. 203.0.113.0/24");
        }
        for (int i = 0; i < (spec.ExternalIPs?.Count ?? 0); i++)
            if (!IPAddress.TryParse(spec.ExternalIPs![i], out _))
                errs.Invalid($"spec.externalIPs[{i}]", spec.ExternalIPs[i], "must be a valid IP address");
        if (spec.HealthCheckNodePort is int h && h != 0)
        {
            if (type != "LoadBalancer" || spec.ExternalTrafficPolicy != "Local")
                errs.Invalid("spec.healthCheckNodePort", h, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
            else if (h is < NodePortMin or > NodePortMax)
                errs.Invalid("spec.healthCheckNodePort", h, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}");
        }
    }

    public const int MaxAffinityTimeoutSeconds = 86400;

    private static void ValidateAffinityConfig(ServiceSpec spec, FieldErrors errs)
    {
        if (spec.SessionAffinityConfig is not { } cfg) return;
        const string f = "spec.sessionAffinityConfig";
        if (spec.SessionAffinity != "ClientIP")
        {
            errs.Forbidden(f, "may only be set when `sessionAffinity` is 'ClientIP'");
            return;
        }
        if (cfg.ClientIP?.TimeoutSeconds is int t && t is < 1 or > MaxAffinityTimeoutSeconds)
            errs.Invalid(f + ".clientIP.timeoutSeconds", t, $"must be greater than 0 and less than or equal to {MaxAffinityTimeoutSeconds}");
    }
}
