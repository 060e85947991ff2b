using System.Text.Json.Nodes;

namespace Podnet.Cli.Output.Tables;

/// <summary>NAME STATUS ROLES AGE VERSION (+ INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION
/// CONTAINER-RUNTIME, and Podnet's POD-CIDR).</summary>
public static class NodeTable
{
    public static readonly TableSpec Spec = new(
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        (o, now) =>
        [
            o.Name(), Status(o), Roles(o), Age.Since(o.Time("metadata.creationTimestamp"), now),
            o.Str("status.nodeInfo.kubeletVersion") ?? "",
        ],
        ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME", "POD-CIDR"],
        o =>
        [
            Address(o, "InternalIP"), Address(o, "ExternalIP"),
            Unknown(o.Str("status.nodeInfo.osImage")), Unknown(o.Str("status.nodeInfo.kernelVersion")),
            Unknown(o.Str("status.nodeInfo.containerRuntimeVersion")), Tables.OrNone(o.Str("spec.podCIDR")),
        ]);

    public static string Status(JsonObject node)
    {
        var ready = node.Objects("status.conditions").FirstOrDefault(c => c.Str("type") == "Ready");
        var s = ready?.Str("status") switch
        {
            "True" => "Ready",
            "False" => "NotReady",
            _ => "Unknown",
        };
        return node.Bool("spec.unschedulable") == true ? s + ",SchedulingDisabled" : s;
    }

    public static string Roles(JsonObject node)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Map("metadata.labels"))
        {
            if (k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && k.Length > 24) roles.Add(k[24..]);
            else if (k == "kubernetes.io/role" && v.Length > 0) roles.Add(v);
        }
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    public static string Address(JsonObject node, string type) =>
        Tables.OrNone(string.Join(",", node.Objects("status.addresses").Where(a => a.Str("type") == type).Select(a => a.Str("address"))));

    private static string Unknown(string? s) => string.IsNullOrEmpty(s) ? "<unknown>" : s;
}
