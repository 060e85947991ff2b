using System.Text.Json.Nodes;
using Podnet.Dns.PodConfig;

namespace Podnet.Lab.Kubelet;

/// <summary>A pod's /etc/resolv.conf as kubelet writes it (rules in <see cref="PodResolvConf"/>):
/// cluster DNS at 10.96.0.10 for ClusterFirst, the node's resolver for Default, spec.dnsConfig
/// merged in. hostNetwork pods run in the node's namespace without /etc/netns files, so they see
/// the node's resolv.conf — what kubelet gives hostNetwork pods with ClusterFirst.</summary>
public static class PodDns
{
    public const string ClusterDomain = "cluster.local";
    public static readonly IReadOnlyList<string> ClusterDnsIps = [Addons.ClusterDns.ClusterIp];

    /// <summary>The node's resolver: this machine's /etc/resolv.conf (the node namespaces share it).</summary>
    public static NodeResolver Node()
    {
        try { return NodeResolver.Parse(File.ReadAllText("/etc/resolv.conf")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new NodeResolver([], [], []); }
    }

    /// <summary>The file for a (non-hostNetwork) pod; throws <see cref="ArgumentException"/> naming
    /// the problem for an unknown dnsPolicy or None without nameservers.</summary>
    public static string ResolvConf(string? dnsPolicy, string ns, JsonObject? dnsConfig) =>
        PodResolvConf.Render(dnsPolicy, ns, hostNetwork: false, ClusterDnsIps, ClusterDomain, Node(), Parse(dnsConfig));

    /// <summary>spec.dnsConfig (nameservers, searches, options[{name, value}]).</summary>
    public static PodDnsConfig? Parse(JsonObject? o)
    {
        if (o is null) return null;
        static List<string>? Strings(JsonNode? n) => (n as JsonArray)?.Select(x => x?.GetValue<string>()).OfType<string>().ToList();
        var options = (o["options"] as JsonArray)?.OfType<JsonObject>()
            .Where(x => x["name"] is not null)
            .Select(x => new KeyValuePair<string, string?>(x["name"]!.GetValue<string>(), x["value"]?.GetValue<string>())).ToList();
        return new PodDnsConfig(Strings(o["nameservers"]), Strings(o["searches"]), options);
    }
}
