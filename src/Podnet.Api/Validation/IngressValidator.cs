using Podnet.Api.Models;

namespace Podnet.Api.Validation;

public static class IngressValidator
{
    public static void Validate(Ingress ing, FieldErrors errs)
    {
        ObjectValidator.ValidateMeta(ing.Metadata, errs, Names.Dns1123Subdomain);
        if (ing.Spec.DefaultBackend is null && ing.Spec.Rules is not { Count: > 0 })
            errs.Invalid("spec", "{}", "either `defaultBackend` or `rules` must be specified");
        if (ing.Spec.DefaultBackend is { } db) ValidateBackend(db, "spec.defaultBackend", errs);
        for (int i = 0; i < (ing.Spec.Rules?.Count ?? 0); i++)
        {
            var r = ing.Spec.Rules![i];
            var f = $"spec.rules[{i}]";
            if (r.Host is { Length: > 0 } h && Names.Dns1123Subdomain(h.StartsWith("*.") ? h[2..] : h) is { } he)
                errs.Invalid(f + ".host", h, he);
            for (int j = 0; j < (r.Http?.Paths.Count ?? 0); j++)
            {
                var p = r.Http!.Paths[j];
                var pf = $"{f}.http.paths[{j}]";
                if (p.PathType is null) errs.Required(pf + ".pathType", "pathType must be specified");
                else if (p.PathType is not ("Exact" or "Prefix" or "ImplementationSpecific"))
                    errs.NotSupported(pf + ".pathType", p.PathType, "Exact", "ImplementationSpecific", "Prefix");
                if (p.Path is { } path && !path.StartsWith('/')) errs.Invalid(pf + ".path", path, "must be an absolute path");
                if (p.PathType is "Exact" or "Prefix" && string.IsNullOrEmpty(p.Path)) errs.Required(pf + ".path");
                ValidateBackend(p.Backend, pf + ".backend", errs);
            }
        }
    }

    private static void ValidateBackend(IngressBackend b, string field, FieldErrors errs)
    {
        if (b.Service is not { } s) { errs.Required(field + ".service"); return; }
        if (string.IsNullOrEmpty(s.Name)) errs.Required(field + ".service.name");
        else if (Names.Dns1035Label(s.Name) is { } e) errs.Invalid(field + ".service.name", s.Name, e);
        var port = s.Port;
        if (port is null || (port.Name is null) == (port.Number is null))
            errs.Required(field + ".service.port", "exactly one of `name` or `number` must be specified");
        else if (port.Number is int n) ObjectValidator.ValidatePort(n, field + ".service.port.number", errs);
    }
}
