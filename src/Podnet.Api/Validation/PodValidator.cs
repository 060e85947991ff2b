using Podnet.Api.Models;
using Podnet.Api.Selectors;

namespace Podnet.Api.Validation;

public static class PodValidator
{
    public static void ValidatePod(Pod pod, FieldErrors errs)
    {
        ObjectValidator.ValidateMeta(pod.Metadata, errs, Names.Dns1123Subdomain);
        ValidateSpec(pod.Spec, "spec", errs);
    }

    public static void ValidateSpec(PodSpec spec, string field, FieldErrors errs)
    {
        if (spec.Containers.Count == 0) { errs.Required(field + ".containers", "a pod needs at least one container"); return; }
        var names = new HashSet<string>();
        var hostPorts = new HashSet<(int, string)>();
        for (int i = 0; i < spec.Containers.Count; i++)
        {
            var c = spec.Containers[i];
            var f = $"{field}.containers[{i}]";
            if (string.IsNullOrEmpty(c.Name)) errs.Required(f + ".name");
            else if (Names.Dns1123Label(c.Name) is { } e) errs.Invalid(f + ".name", c.Name, e);
            else if (!names.Add(c.Name)) errs.Add(FieldError.Duplicate(f + ".name", c.Name));
            var portNames = new HashSet<string>();
            for (int j = 0; j < (c.Ports?.Count ?? 0); j++)
            {
                var p = c.Ports![j];
                var pf = $"{f}.ports[{j}]";
                ObjectValidator.ValidatePort(p.Port, pf + ".containerPort", errs);
                ObjectValidator.ValidateProtocol(p.Protocol, pf + ".protocol", errs);
                if (p.Name is { Length: > 0 } n)
                {
                    if (Names.PortName(n) is { } pe) errs.Invalid(pf + ".name", n, pe);
                    else if (!portNames.Add(n)) errs.Add(FieldError.Duplicate(pf + ".name", n));
                }
                if (p.HostPort is int hp)
                {
                    ObjectValidator.ValidatePort(hp, pf + ".hostPort", errs);
                    if (!hostPorts.Add((hp, p.Protocol ?? "TCP"))) errs.Add(FieldError.Duplicate(pf + ".hostPort", $"{hp}/{p.Protocol ?? "TCP"}"));
                }
            }
            ValidateProbe(c.ReadinessProbe, f + ".readinessProbe", c, errs);
            ValidateProbe(c.LivenessProbe, f + ".livenessProbe", c, errs);
        }
        if (spec.RestartPolicy is not null and not ("Always" or "OnFailure" or "Never"))
            errs.NotSupported(field + ".restartPolicy", spec.RestartPolicy, "Always", "Never", "OnFailure");
        if (spec.NodeName is { Length: > 0 } node && Names.Dns1123Subdomain(node) is { } ne)
            errs.Invalid(field + ".nodeName", node, ne);
    }

    private static void ValidateProbe(Probe? probe, string field, Container c, FieldErrors errs)
    {
        if (probe is null) return;
        var handlers = (probe.TcpSocket is null ? 0 : 1) + (probe.HttpGet is null ? 0 : 1) + (probe.Exec is null ? 0 : 1);
        if (handlers != 1) { errs.Required(field, "must specify exactly one of tcpSocket, httpGet, exec"); return; }
        var port = probe.TcpSocket?.Port ?? probe.HttpGet?.Port;
        var pf = field + (probe.TcpSocket is null ? ".httpGet.port" : ".tcpSocket.port");
        if (port is null) return;
        if (port.IntValue is int n) ObjectValidator.ValidatePort(n, pf, errs);
        else if (c.Ports?.Any(p => p.Name == port.StringValue) != true)
            errs.Invalid(pf, port.StringValue, $"no port named \"{port.StringValue}\" in container \"{c.Name}\"");
    }

    public static void ValidateDeployment(Deployment d, FieldErrors errs)
    {
        ObjectValidator.ValidateMeta(d.Metadata, errs, Names.Dns1123Subdomain);
        if (d.Spec.Replicas is < 0) errs.Invalid("spec.replicas", d.Spec.Replicas, "must be greater than or equal to 0");
        var sel = d.Spec.Selector;
        if (sel is null || (sel.MatchLabels is not { Count: > 0 } && sel.MatchExpressions is not { Count: > 0 }))
            errs.Required("spec.selector", "a deployment needs a non-empty selector");
        else
        {
            var before = errs.Count;
            ObjectValidator.ValidateSelector(sel, "spec.selector", errs);
            if (errs.Count == before)
            {
                var labels = d.Spec.Template.Metadata?.Labels ?? [];
                if (!LabelSelector.FromSpec(sel).Matches(labels))
                    errs.Invalid("spec.template.metadata.labels",
                        "{" + string.Join(",", labels.Select(kv => $"{kv.Key}:{kv.Value}")) + "}",
                        "`selector` does not match template `labels`");
            }
        }
        ObjectValidator.ValidateLabels(d.Spec.Template.Metadata?.Labels, "spec.template.metadata.labels", errs);
        ValidateSpec(d.Spec.Template.Spec, "spec.template.spec", errs);
        var strategy = d.Spec.Strategy?.Type;
        if (strategy is not null and not ("RollingUpdate" or "Recreate"))
            errs.NotSupported("spec.strategy.type", strategy, "Recreate", "RollingUpdate");
        var ru = d.Spec.Strategy?.RollingUpdate;
        if (ru is not null)
        {
            if (strategy == "Recreate") errs.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
            var surge = ru.MaxSurge?.Scaled(100, true) ?? 25;
            var unavail = ru.MaxUnavailable?.Scaled(100, false) ?? 25;
            if (surge < 0) errs.Invalid("spec.strategy.rollingUpdate.maxSurge", ru.MaxSurge!.ToString(), "must be greater than or equal to 0");
            if (unavail < 0) errs.Invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.MaxUnavailable!.ToString(), "must be greater than or equal to 0");
            if (surge == 0 && unavail == 0) errs.Invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.MaxUnavailable?.ToString() ?? "0", "may not be 0 when `maxSurge` is 0");
        }
    }
}
