using System.Text;

namespace Podnet.Dns.PodConfig;

/// <summary>A pod's spec.dnsConfig: extra nameservers, search domains and options (name, optional value).</summary>
public sealed record PodDnsConfig(
    IReadOnlyList<string>? Nameservers = null, IReadOnlyList<string>? Searches = null,
    IReadOnlyList<KeyValuePair<string, string?>>? Options = null);

/// <summary>The node's own resolver settings (its /etc/resolv.conf), used by dnsPolicy Default.</summary>
public sealed record NodeResolver(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<KeyValuePair<string, string?>> Options)
{
    public static NodeResolver Parse(string resolvConf)
    {
        var ns = new List<string>();
        var search = new List<string>();
        var opts = new List<KeyValuePair<string, string?>>();
        foreach (var raw in resolvConf.Split('\n'))
        {
            var f = raw.Split('#', ';')[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2) continue;
            switch (f[0])
            {
                case "nameserver": ns.Add(f[1]); break;
                case "search" or "domain": search.Clear(); search.AddRange(f[1..]); break;
                case "options": opts.AddRange(f[1..].Select(ParseOption)); break;
            }
        }
        return new NodeResolver(ns, search, opts);
    }

    internal static KeyValuePair<string, string?> ParseOption(string o)
    {
        int c = o.IndexOf(':');
        return c < 0 ? new(o, null) : new(o[..c], o[(c + 1)..]);
    }
}

/// <summary>
/// Writes a pod's /etc/resolv.conf the way kubelet does for each dnsPolicy: ClusterFirst (the
/// default; Default behaviour for hostNetwork pods), ClusterFirstWithHostNet, Default and None,
/// with spec.dnsConfig merged in and kubelet's limits applied (3 nameservers, 32 search domains).
/// The lab kubelet calls this; it is pure so every rule is tested in isolation.
/// </summary>
public static class PodResolvConf
{
    public const int MaxNameservers = 3, MaxSearches = 32;

    public static string Render(string? dnsPolicy, string podNamespace, bool hostNetwork, IReadOnlyList<string> clusterDns,
        string clusterDomain, NodeResolver node, PodDnsConfig? dnsConfig = null)
    {
        var policy = string.IsNullOrEmpty(dnsPolicy) ? "ClusterFirst" : dnsPolicy;
        if (policy == "ClusterFirst" && hostNetwork) policy = "Default";
        List<string> ns, search;
        var opts = new List<KeyValuePair<string, string?>>();
        switch (policy)
        {
            case "ClusterFirst" or "ClusterFirstWithHostNet":
                ns = [.. clusterDns];
                search = [$"{podNamespace}.svc.{clusterDomain}", $"svc.{clusterDomain}", clusterDomain, .. node.Searches];
                opts.Add(new("ndots", "5"));
                break;
            case "Default":
                ns = [.. node.Nameservers];
                search = [.. node.Searches];
                opts.AddRange(node.Options);
                break;
            case "None":
                if (dnsConfig?.Nameservers is not { Count: > 0 })
                    throw new ArgumentException($"pod in namespace {podNamespace}: dnsPolicy None needs at least one nameserver in dnsConfig");
                ns = [];
                search = [];
                break;
            default:
                throw new ArgumentException($"pod in namespace {podNamespace}: unknown dnsPolicy \"{dnsPolicy}\" (ClusterFirst, ClusterFirstWithHostNet, Default or None)");
        }
        if (dnsConfig is not null)
        {
            ns.AddRange(dnsConfig.Nameservers ?? []);
            search.AddRange(dnsConfig.Searches ?? []);
            foreach (var o in dnsConfig.Options ?? [])
            {
                opts.RemoveAll(x => x.Key == o.Key); // the pod's value wins
                opts.Add(o);
            }
        }
        var sb = new StringBuilder();
        var searches = search.Select(s => s.TrimEnd('.')).Where(s => s.Length > 0).Distinct().Take(MaxSearches).ToList();
        if (searches.Count > 0) sb.Append("search ").AppendJoin(' ', searches).Append('\n');
        foreach (var n in ns.Distinct().Take(MaxNameservers)) sb.Append("nameserver ").Append(n).Append('\n');
        if (opts.Count > 0) sb.Append("options ").AppendJoin(' ', opts.Select(o => o.Value is null ? o.Key : $"{o.Key}:{o.Value}")).Append('\n');
        return sb.ToString();
    }
}
