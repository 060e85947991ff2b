using System.Net;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Policy;
using Podnet.Api.Resources;
using Podnet.Testing;
using static Podnet.Lab.Tests.NetworkPolicy.Scenario;

namespace Podnet.Lab.Tests.NetworkPolicy;

/// <summary>More behaviours of the upstream netpol e2e suite, on the full matrix: allow-all rules,
/// SCTP ports that must not open TCP, both directions in one policy, overlapping ipBlocks, egress
/// policies unioned with an allow-all, matchExpressions on both selectors; and traffic from nodes.</summary>
[Collection("netpol")]
public sealed class MoreScenarioTests(NetpolLabFixture f)
{
    [Fact]
    public async Task An_allow_all_rule_opens_what_a_deny_all_closed()
    {
        var r = await f.CheckAsync(Policy("x", "deny-all", """
            podSelector: {}
            policyTypes: [Ingress, Egress]
            """) + Policy("x", "allow-all", """
            podSelector: {matchLabels: {pod: b}}
            policyTypes: [Ingress, Egress]
            ingress: [{}]
            egress: [{}]
            """));
        Cell(r, "y/a", "x/b", 80, "TCP", Open);
        Cell(r, "x/b", "z/c", 81, "UDP", Open);
        Cell(r, "x/b", "x/a", 80, "TCP", Blocked);
        Cell(r, "x/a", "x/b", 80, "TCP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task An_SCTP_port_is_not_mistaken_for_TCP_or_UDP()
    {
        var r = await f.CheckAsync(Policy("x", "sctp-80", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - ports: [{protocol: SCTP, port: 80}]
            """));
        Cell(r, "y/a", "x/a", 80, "TCP", Blocked);
        Cell(r, "y/a", "x/a", 80, "UDP", Blocked);
        Cell(r, "y/a", "x/b", 80, "TCP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Ingress_and_egress_rules_in_one_policy()
    {
        var r = await f.CheckAsync(Policy("x", "both", """
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress, Egress]
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
            egress:
            - to: [{namespaceSelector: {matchLabels: {ns: z}}}]
              ports: [{protocol: UDP}]
            """));
        Cell(r, "y/a", "x/a", 80, "TCP", Open);
        Cell(r, "z/a", "x/a", 80, "TCP", Blocked);
        Cell(r, "x/a", "z/b", 81, "UDP", Open);
        Cell(r, "x/a", "z/b", 80, "TCP", Blocked);
        Cell(r, "x/a", "y/a", 80, "UDP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task An_address_excepted_by_one_ipBlock_but_allowed_by_another_is_allowed()
    {
        var yb = f.PodIps["y/b"];
        var r = await f.CheckAsync(Policy("x", "overlap", $$$"""
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - ipBlock: {cidr: 10.244.0.0/16, except: ["{{{yb}}}/32"]}
            - to:
              - ipBlock: {cidr: "{{{yb}}}/32"}
              ports: [{port: 81}]
            """));
        Cell(r, "x/a", "y/b", 81, "TCP", Open);
        Cell(r, "x/a", "y/b", 80, "TCP", Blocked);
        Cell(r, "x/a", "y/b", 81, "UDP", Blocked);
        Cell(r, "x/a", "z/a", 80, "UDP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Egress_policies_are_unioned_with_an_allow_all()
    {
        var r = await f.CheckAsync(Policy("x", "to-y", """
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
            - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
            """) + Policy("x", "c-to-y", """
            podSelector: {matchLabels: {pod: c}}
            policyTypes: [Egress]
            egress:
            - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
            """) + Policy("x", "a-to-all", """
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress: [{}]
            """));
        Cell(r, "x/a", "z/c", 80, "TCP", Open);
        Cell(r, "x/c", "z/c", 80, "TCP", Blocked);
        Cell(r, "x/c", "y/c", 81, "UDP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task MatchExpressions_on_namespace_and_pod_selectors()
    {
        var r = await f.CheckAsync(Policy("x", "exprs", """
            podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, c]}]}
            ingress:
            - from:
              - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y, z]}]}
                podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [c]}]}
              - podSelector: {matchExpressions: [{key: pod, operator: Exists}, {key: role, operator: DoesNotExist}]}
            """));
        Cell(r, "y/b", "x/a", 80, "TCP", Open);
        Cell(r, "z/a", "x/c", 81, "UDP", Open);
        Cell(r, "z/c", "x/a", 80, "TCP", Blocked);
        Cell(r, "x/b", "x/c", 80, "TCP", Open);
        Cell(r, "z/c", "x/b", 80, "TCP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Traffic_from_a_pods_own_node_is_always_allowed()
    {
        // The matrix cannot express node sources: probe from each node namespace to every pod of x,
        // with the evaluator's answer for the node's address.
        await f.ApplyAsync(Policy("x", "deny-all", """
            podSelector: {}
            policyTypes: [Ingress, Egress]
            """));
        try
        {
            var namespaces = (await f.Lab.Api.ListAsync<Namespace>(ApiResources.Namespaces)).Select(PolicyNamespace.From);
            var policies = await f.Lab.Api.ListAsync<Podnet.Api.Models.NetworkPolicy>(ApiResources.NetworkPolicies);
            var ev = new PolicyEvaluator(namespaces, policies);
            var pods = (await f.Lab.Api.ListAsync<Pod>(ApiResources.Pods, "x")).Select(PolicyPod.From).ToList();
            var cells = new List<(int Node, IpEndpoint From, PolicyPod To, bool Expected)>();
            for (int i = 1; i <= 3; i++)
            {
                var node = new IpEndpoint(Podnet.Lab.LabNames.NodeIp(i), Podnet.Lab.LabNames.NodeName(i));
                foreach (var pod in pods) cells.Add((i, node, pod, ev.Allowed(node, new PodEndpoint(pod), 80, "TCP")));
            }
            int ownNode = cells.Count(c => c.To.Node == c.From.Node);
            Assert.All(cells.Where(c => c.To.Node == c.From.Node), c => Assert.True(c.Expected, $"the evaluator blocks {c.From} → {c.To}"));
            // Probe all at once; re-probe the cells that differ for a few seconds (enforcement is asynchronous).
            var wrong = cells;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            do
            {
                var observed = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
                Parallel.For(0, wrong.Count, new ParallelOptions { MaxDegreeOfParallelism = 9 }, k =>
                    observed[k] = Sh.InNetns(f.Lab.Names.NodeNetns(wrong[k].Node),
                        [Binaries.Path("podnet-agnhost"), "connect", $"{wrong[k].To.Ip}:80", "--timeout", "1s"], TimeSpan.FromSeconds(10)).Ok);
                wrong = wrong.Where((c, k) => observed[k] != c.Expected).ToList();
            } while (wrong.Count > 0 && DateTime.UtcNow < deadline);
            Assert.True(ownNode > 0, "no pod of x runs on a lab node");
            Assert.True(wrong.Count == 0, string.Join("\n", wrong.Select(c =>
                $"{c.From} → {c.To}@{c.To.Node}: expected {(c.Expected ? "reachable" : "blocked")}, observed the opposite")));
        }
        finally { await f.DeletePoliciesAsync(); }
    }
}
