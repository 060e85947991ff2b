using Podnet.Api.Models;

namespace Podnet.Api.Validation;

public static class NetworkPolicyValidator
{
    public static void Validate(NetworkPolicy np, FieldErrors errs)
    {
        ObjectValidator.ValidateMeta(np.Metadata, errs, Names.Dns1123Subdomain);
        ObjectValidator.ValidateSelector(np.Spec.PodSelector, "spec.podSelector", errs);
        for (int i = 0; i < (np.Spec.PolicyTypes?.Count ?? 0); i++)
            if (np.Spec.PolicyTypes![i] is not ("Ingress" or "Egress"))
                errs.NotSupported($"spec.policyTypes[{i}]", np.Spec.PolicyTypes[i], "Egress", "Ingress");
        for (int i = 0; i < (np.Spec.Ingress?.Count ?? 0); i++)
        {
            var r = np.Spec.Ingress![i];
            ValidatePorts(r.Ports, $"spec.ingress[{i}].ports", errs);
            ValidatePeers(r.From, $"spec.ingress[{i}].from", errs);
        }
        for (int i = 0; i < (np.Spec.Egress?.Count ?? 0); i++)
        {
            var r = np.Spec.Egress![i];
            ValidatePorts(r.Ports, $"spec.egress[{i}].ports", errs);
            ValidatePeers(r.To, $"spec.egress[{i}].to", errs);
        }
    }

    private static void ValidatePorts(List<NetworkPolicyPort>? ports, string field, FieldErrors errs)
    {
        for (int i = 0; i < (ports?.Count ?? 0); i++)
        {
            var p = ports![i];
            var f = $"{field}[{i}]";
            ObjectValidator.ValidateProtocol(p.Protocol, f + ".protocol", errs);
            if (p.Port?.IntValue is int n) ObjectValidator.ValidatePort(n, f + ".port", errs);
            else if (p.Port?.StringValue is { } s && Names.PortName(s) is { } e) errs.Invalid(f + ".port", s, e);
            if (p.EndPort is int end)
            {
                if (p.Port is null || !p.Port.IsInt)
                    errs.Required(f + ".port", "must be specified as a number when endPort is specified");
                else if (end < p.Port.IntValue!.Value)
                    errs.Invalid(f + ".endPort", end, "must be greater than or equal to `port`");
                else ObjectValidator.ValidatePort(end, f + ".endPort", errs);
            }
        }
    }

    private static void ValidatePeers(List<NetworkPolicyPeer>? peers, string field, FieldErrors errs)
    {
        for (int i = 0; i < (peers?.Count ?? 0); i++)
        {
            var p = peers![i];
            var f = $"{field}[{i}]";
            var selectors = (p.PodSelector is null ? 0 : 1) + (p.NamespaceSelector is null ? 0 : 1);
            if (p.IpBlock is null && selectors == 0) errs.Required(f, "must specify a peer");
            if (p.IpBlock is not null && selectors > 0) errs.Forbidden(f, "may not specify both ipBlock and another peer");
            ObjectValidator.ValidateSelector(p.PodSelector, f + ".podSelector", errs);
            ObjectValidator.ValidateSelector(p.NamespaceSelector, f + ".namespaceSelector", errs);
            if (p.IpBlock is { } b) ValidateIpBlock(b, f + ".ipBlock", errs);
        }
    }

    private static void ValidateIpBlock(IPBlock b, string field, FieldErrors errs)
    {
        if (string.IsNullOrEmpty(b.Cidr)) { errs.Required(field + ".cidr"); return; }
        if (!Cidr.TryParse(b.Cidr, out var cidr)) { errs.Invalid(field + ".cidr", b.Cidr, "must be a valid CIDR (e.g. 10.0.0.0/16)"); return; }
        for (int i = 0; i < (b.Except?.Count ?? 0); i++)
        {
            var ef = $"{field}.except[{i}]";
            if (!Cidr.TryParse(b.Except![i], out var ex)) errs.Invalid(ef, b.Except[i], "must be a valid CIDR (e.g. 10.0.1.0/24)");
            else if (!cidr.Contains(ex) || ex.PrefixLength == cidr.PrefixLength)
                errs.Invalid(ef, b.Except[i], $"must be a strict subset of `cidr` {b.Cidr}");
        }
    }
}
