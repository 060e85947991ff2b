using System.Text.Json.Nodes;
using Podnet.Cli.Output;
using Podnet.Cli.Output.Tables;

namespace Podnet.Cli.Describe;

/// <summary>kubectl's NetworkPolicy description: which traffic the policy allows, rule by rule.</summary>
public static class NetworkPolicyDescriber
{
    public static void Describe(DescribeWriter w, JsonObject np)
    {
        w.Item(0, "Name", np.Name());
        w.Item(0, "Namespace", np.Namespace());
        w.Item(0, "Created on", DescribeWriter.Time(np.Time("metadata.creationTimestamp")));
        w.Map(0, "Labels", np.Map("metadata.labels"));
        w.Map(0, "Annotations", np.Map("metadata.annotations").Where(kv => kv.Key != Apply.ApplyMerge.LastAppliedAnnotation).ToList());
        w.Section(0, "Spec");
        var sel = Tables.Selector(np.At("spec.podSelector"));
        w.Item(1, "PodSelector", sel == "<none>" ? "<none> (Allowing the specific traffic to all pods in this namespace)" : sel);
        var types = np.Strings("spec.policyTypes").ToList();
        if (types.Count == 0)
        {
            types.Add("Ingress");
            if (np.At("spec.egress") is JsonArray) types.Add("Egress");
        }
        Direction(w, np, types.Contains("Ingress"), "ingress", "from", "From", "source");
        Direction(w, np, types.Contains("Egress"), "egress", "to", "To", "destination");
        w.Item(1, "Policy Types", string.Join(", ", types));
    }

    private static void Direction(DescribeWriter w, JsonObject np, bool affected, string dir, string peersKey, string peersLabel, string what)
    {
        if (!affected) { w.Text(1, $"Not affecting {dir} traffic"); return; }
        var rules = np.Objects($"spec.{dir}").ToList();
        w.Section(1, $"Allowing {dir} traffic");
        if (rules.Count == 0) { w.Text(2, $"<none> (Selected pods are isolated for {dir} connectivity)"); return; }
        for (int i = 0; i < rules.Count; i++)
        {
            if (i > 0) w.Text(2, "----------");
            var r = rules[i];
            var ports = r.Objects("ports").ToList();
            if (ports.Count == 0) w.Text(2, "To Port: <any> (traffic allowed to all ports)");
            foreach (var p in ports)
            {
                var port = p["port"] is null ? "<any>" : DescribeWriter.Scalar(p["port"]);
                var end = p.Long("endPort") is long e ? $"-{e}" : "";
                w.Text(2, $"To Port: {port}{end}/{p.Str("protocol") ?? "TCP"}");
            }
            var peers = r.Objects(peersKey).ToList();
            if (peers.Count == 0) { w.Text(2, $"{peersLabel}: <any> (traffic not restricted by {what})"); continue; }
            w.Section(2, peersLabel);
            foreach (var peer in peers)
            {
                if (peer.At("ipBlock") is JsonObject ip)
                {
                    w.Text(3, $"IPBlock:");
                    w.Text(4, $"CIDR: {ip.Str("cidr")}");
                    w.Text(4, $"Except: {string.Join(", ", ip.Strings("except"))}");
                    continue;
                }
                var ps = peer.At("podSelector");
                var nss = peer.At("namespaceSelector");
                if (nss is not null) w.Text(3, $"NamespaceSelector: {Tables.Selector(nss)}");
                if (ps is not null) w.Text(3, $"PodSelector: {Tables.Selector(ps)}");
            }
        }
    }
}
