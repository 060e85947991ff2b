using System.Security.Cryptography;
using System.Text;
using Podnet.Agent.Policy.Model;

namespace Podnet.Agent.Policy.Nft;

/// <summary>
/// Names of everything in the policy table. A class (the pods one set of policies isolates alike) is
/// named after those policies, so `nft list` reads like the API; long names end in a digest.
/// </summary>
public static class PolicyNames
{
    public const string DefaultTable = "podnet-policy";
    public const string IngressMap = "ingress-pods", EgressMap = "egress-pods", SelfSet = "self";
    public const string IngressBase = "ingress", EgressBase = "egress";

    public static string Dir(Direction d) => d == Direction.Ingress ? "in" : "eg";

    /// <summary>The chain of a class: "in-x/db,x/deny" (policy keys, and named-port numbers for ingress).</summary>
    public static string ClassChain(Direction d, string classKey) => $"{Dir(d)}-{Id(classKey)}";

    /// <summary>
    /// A class's sets: "ports" (peer . proto . port, exact), "peers" (peer, every port), "cidrs" (peer
    /// ranges, every port), "ranges" (peer range . proto . port range).
    /// </summary>
    public static string ClassSet(string chain, string kind) => $"{chain}-{kind}";

    public static bool HoldsEntries(string set) => set is IngressMap or EgressMap or SelfSet;

    // nf_tables names are at most 255 bytes; a class of many policies has a longer key.
    private static string Id(string key)
    {
        if (Encoding.UTF8.GetByteCount(key) <= 120) return key;
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        int n = Math.Min(key.Length, 80);
        while (Encoding.UTF8.GetByteCount(key.AsSpan(0, n)) > 100) n--;
        return key[..n] + "~" + Convert.ToHexStringLower(h.AsSpan(0, 8));
    }
}
