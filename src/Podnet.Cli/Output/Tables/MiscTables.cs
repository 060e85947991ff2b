namespace Podnet.Cli.Output.Tables;

/// <summary>Namespaces, EndpointSlices, NetworkPolicies and Ingresses, in kubectl's columns.</summary>
public static class MiscTables
{
    public static readonly TableSpec Namespace = new(
        ["NAME", "STATUS", "AGE"],
        (o, now) => [o.Name(), o.Str("status.phase") is { Length: > 0 } p ? p : "Active", Age.Since(o.Time("metadata.creationTimestamp"), now)],
        [], _ => []);

    public static readonly TableSpec EndpointSlice = new(
        ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
        (o, now) =>
        {
            var ports = o.Objects("ports").Select(p => p.Long("port")?.ToString() ?? "<unset>").ToList();
            var addresses = o.Objects("endpoints").SelectMany(e => e.Strings("addresses")).ToList();
            var shown = string.Join(",", addresses.Take(3)) + (addresses.Count > 3 ? $" + {addresses.Count - 3} more..." : "");
            return
            [
                o.Name(), o.Str("addressType") ?? "",
                ports.Count == 0 ? "<unset>" : string.Join(",", ports),
                addresses.Count == 0 ? "<unset>" : shown,
                Age.Since(o.Time("metadata.creationTimestamp"), now),
            ];
        },
        [], _ => []);

    public static readonly TableSpec NetworkPolicy = new(
        ["NAME", "POD-SELECTOR", "AGE"],
        (o, now) =>
        {
            // An empty podSelector selects every pod of the namespace; kubectl shows it as <none>.
            var sel = Tables.Selector(o.At("spec.podSelector"));
            return [o.Name(), sel, Age.Since(o.Time("metadata.creationTimestamp"), now)];
        },
        [], _ => []);

    public static readonly TableSpec Ingress = new(
        ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
        (o, now) =>
        {
            var hosts = o.Objects("spec.rules").Select(r => r.Str("host")).OfType<string>().Where(h => h.Length > 0).ToList();
            var address = o.Objects("status.loadBalancer.ingress")
                .Select(i => i.Str("ip") is { Length: > 0 } ip ? ip : i.Str("hostname")).OfType<string>();
            return
            [
                o.Name(), Tables.OrNone(o.Str("spec.ingressClassName")),
                hosts.Count == 0 ? "*" : string.Join(",", hosts.Take(4)) + (hosts.Count > 4 ? $" + {hosts.Count - 4} more..." : ""),
                string.Join(",", address),
                o.Objects("spec.tls").Any() ? "80, 443" : "80",
                Age.Since(o.Time("metadata.creationTimestamp"), now),
            ];
        },
        [], _ => []);
}
