using System.Text.Json.Nodes;

namespace Podnet.Cli.Output.Tables;

/// <summary>NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (+ SELECTOR).</summary>
public static class ServiceTable
{
    public static readonly TableSpec Spec = new(
        ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        (o, now) =>
        [
            o.Name(), Type(o), Tables.OrNone(o.Str("spec.clusterIP")), ExternalIp(o), Ports(o),
            Age.Since(o.Time("metadata.creationTimestamp"), now),
        ],
        ["SELECTOR"],
        o => [Obj.Labels(o.Map("spec.selector"))]);

    public static string Type(JsonObject svc) => svc.Str("spec.type") is { Length: > 0 } t ? t : "ClusterIP";

    public static string ExternalIp(JsonObject svc)
    {
        var external = svc.Strings("spec.externalIPs").ToList();
        switch (Type(svc))
        {
            case "ExternalName":
                return Tables.OrNone(svc.Str("spec.externalName"));
            case "LoadBalancer":
                var lb = svc.Objects("status.loadBalancer.ingress")
                    .Select(i => i.Str("ip") is { Length: > 0 } ip ? ip : i.Str("hostname"))
                    .OfType<string>().Concat(external).ToList();
                return lb.Count == 0 ? "<pending>" : string.Join(",", lb);
            default:
                return external.Count == 0 ? "<none>" : string.Join(",", external);
        }
    }

    public static string Ports(JsonObject svc)
    {
        var ports = svc.Objects("spec.ports").Select(p =>
        {
            var proto = p.Str("protocol") is { Length: > 0 } pr ? pr : "TCP";
            return p.Long("nodePort") is long np and not 0 ? $"{p.Long("port")}:{np}/{proto}" : $"{p.Long("port")}/{proto}";
        }).ToList();
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }
}
