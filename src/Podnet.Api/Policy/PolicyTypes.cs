using Podnet.Api.Models;

namespace Podnet.Api.Policy;

/// <summary>
/// Which directions a NetworkPolicy isolates. One definition for the agent's parser, its fail-closed
/// deny-all and the reference evaluator, so they cannot drift apart.
/// </summary>
public static class PolicyTypes
{
    /// <summary>
    /// policyTypes as given; when omitted or empty (the API server defaults both alike): Ingress
    /// always, Egress only when the policy has egress rules. Given types win over rules: an
    /// Ingress-only policy with egress rules does not isolate egress.
    /// </summary>
    public static (bool Ingress, bool Egress) Of(NetworkPolicySpec spec)
    {
        if (spec.PolicyTypes is { Count: > 0 } t) return (t.Contains("Ingress"), t.Contains("Egress"));
        return (true, spec.Egress is { Count: > 0 });
    }
}
