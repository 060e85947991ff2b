using System.Net;
using System.Security.Cryptography;
using System.Text;
using Podnet.Agent.Policy.Model;

namespace Podnet.Agent.Policy.Nft;

/// <summary>
/// Names of everything in the policy table. Per-pod chains are named by the pod's IP (the key of the
/// dispatch maps); per-policy chains and sets embed namespace/name so `nft list` reads like the API.
/// </summary>
public static class PolicyNames
{
    public const string DefaultTable = "podnet-policy";
    public const string IngressMap = "ingress-pods", EgressMap = "egress-pods";
    public const string IngressBase = "ingress", EgressBase = "egress";

    public static string Dir(Direction d) => d == Direction.Ingress ? "in" : "eg";

    public static string PodChain(Direction d, IPAddress ip) => $"pod-{Dir(d)}-{ip}";
    public static string PolicyChain(Direction d, string policyKey) => $"pol-{Dir(d)}-{Id(policyKey)}";

    /// <summary>Set of peer pod IPs of rule <paramref name="rule"/>.</summary>
    public static string PeersSet(Direction d, string policyKey, int rule) => $"{Dir(d)}-{Id(policyKey)}-{rule}-peers";
    /// <summary>Interval set of the rule's ipBlocks (except removed).</summary>
    public static string CidrSet(Direction d, string policyKey, int rule) => $"{Dir(d)}-{Id(policyKey)}-{rule}-cidr";
    /// <summary>destination IP . protocol . port for the rule's named ports.</summary>
    public static string NamedSet(Direction d, string policyKey, int rule) => $"{Dir(d)}-{Id(policyKey)}-{rule}-named";

    // nf_tables names are at most 255 bytes; namespace/name can be longer (63 + 253).
    private static string Id(string policyKey)
    {
        if (Encoding.UTF8.GetByteCount(policyKey) <= 200) return policyKey;
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(policyKey));
        return policyKey[..160] + "~" + Convert.ToHexStringLower(h.AsSpan(0, 8));
    }
}
