using System.Diagnostics;
using Podnet.Cli.Check;
using Podnet.Lab.Pods;
using static Podnet.Lab.Tests.NetworkPolicy.Scenario;

namespace Podnet.Lab.Tests.NetworkPolicy;

/// <summary>The behaviours of the upstream netpol e2e suite (test/e2e/network/netpol), each checked
/// on the full x/y/z × a/b/c matrix over TCP and UDP on ports 80 and 81 (324 cells).</summary>
[Collection("netpol")]
public sealed class NetworkPolicyTests(NetpolLabFixture f)
{
    private const string DenyIngressX = """
        podSelector: {}
        policyTypes: [Ingress]
        """;

    [Fact]
    public async Task Without_policies_every_cell_is_reachable()
    {
        var r = await f.CheckAsync("");
        Cell(r, "x/a", "z/c", 80, "TCP", Open);
        Cell(r, "z/c", "x/a", 81, "UDP", Open);
        Assert.All(r.Cells, c => Assert.True(c.Expected, c.ToString()));
        AllAgree(r);
    }

    [Fact]
    public async Task Default_deny_ingress()
    {
        var r = await f.CheckAsync(Policy("x", "deny-ingress", DenyIngressX));
        Cell(r, "y/a", "x/b", 80, "TCP", Blocked);
        Cell(r, "z/c", "x/c", 81, "UDP", Blocked);
        Cell(r, "x/a", "x/b", 80, "TCP", Blocked);
        Cell(r, "x/a", "x/a", 80, "TCP", Open);
        Cell(r, "x/a", "y/b", 81, "TCP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Default_deny_all_ingress_and_egress()
    {
        var r = await f.CheckAsync(Policy("x", "deny-all", """
            podSelector: {}
            policyTypes: [Ingress, Egress]
            """));
        Cell(r, "x/a", "y/a", 80, "TCP", Blocked);
        Cell(r, "y/a", "x/a", 80, "UDP", Blocked);
        Cell(r, "x/b", "x/c", 81, "TCP", Blocked);
        Cell(r, "x/b", "x/b", 81, "UDP", Open);
        Cell(r, "y/a", "z/b", 81, "UDP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Allow_from_a_namespace_by_label()
    {
        var r = await f.CheckAsync(Policy("x", "deny-ingress", DenyIngressX) + Policy("x", "a-from-y", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - namespaceSelector: {matchLabels: {ns: y}}
            """));
        Cell(r, "y/c", "x/a", 80, "TCP", Open);
        Cell(r, "y/a", "x/a", 81, "UDP", Open);
        Cell(r, "z/c", "x/a", 80, "TCP", Blocked);
        Cell(r, "x/b", "x/a", 80, "TCP", Blocked);
        Cell(r, "y/c", "x/b", 80, "TCP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task Pod_and_namespace_selectors_in_one_peer_are_ANDed()
    {
        var r = await f.CheckAsync(Policy("x", "and", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - namespaceSelector:
                  matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
                podSelector: {matchLabels: {pod: b}}
            """));
        Cell(r, "y/b", "x/a", 80, "TCP", Open);
        Cell(r, "z/b", "x/a", 81, "UDP", Open);
        Cell(r, "y/a", "x/a", 80, "TCP", Blocked);
        Cell(r, "x/b", "x/a", 80, "TCP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task Pod_and_namespace_selectors_in_two_peers_are_ORed()
    {
        var r = await f.CheckAsync(Policy("x", "or", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - namespaceSelector:
                  matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
              - podSelector: {matchLabels: {pod: b}}
            """));
        Cell(r, "y/a", "x/a", 80, "TCP", Open);
        Cell(r, "z/c", "x/a", 81, "UDP", Open);
        Cell(r, "x/b", "x/a", 80, "TCP", Open);
        Cell(r, "x/c", "x/a", 80, "TCP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task Named_ports_are_resolved_on_the_destination()
    {
        var r = await f.CheckAsync(Policy("x", "named", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - ports:
              - port: serve-81-tcp
              - protocol: UDP
                port: serve-80-udp
            """));
        Cell(r, "y/a", "x/a", 81, "TCP", Open);
        Cell(r, "y/a", "x/a", 80, "TCP", Blocked);
        Cell(r, "z/b", "x/a", 80, "UDP", Open);
        Cell(r, "z/b", "x/a", 81, "UDP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task Egress_to_a_cidr_with_an_except()
    {
        var yb = f.PodIps["y/b"];
        var r = await f.CheckAsync(Policy("x", "egress-cidr", $$$"""
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - ipBlock: {cidr: 10.244.0.0/16, except: ["{{{yb}}}/32"]}
            """));
        Cell(r, "x/a", "y/b", 80, "TCP", Blocked);
        Cell(r, "x/a", "y/b", 81, "UDP", Blocked);
        Cell(r, "x/a", "y/a", 80, "TCP", Open);
        Cell(r, "x/a", "z/c", 81, "UDP", Open);
        Cell(r, "x/b", "y/b", 80, "TCP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Ingress_and_egress_are_controlled_independently()
    {
        var r = await f.CheckAsync(Policy("x", "a-no-egress", """
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            """) + Policy("y", "b-no-ingress", """
            podSelector: {matchLabels: {pod: b}}
            policyTypes: [Ingress]
            """));
        Cell(r, "x/a", "y/a", 80, "TCP", Blocked);
        Cell(r, "y/a", "x/a", 80, "TCP", Open);
        Cell(r, "z/a", "y/b", 81, "UDP", Blocked);
        Cell(r, "y/b", "z/a", 81, "UDP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Client_egress_deny_overrides_a_server_ingress_allow()
    {
        var r = await f.CheckAsync(Policy("x", "a-no-egress", """
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            """) + Policy("y", "b-from-x-a", """
            podSelector: {matchLabels: {pod: b}}
            ingress:
            - from:
              - namespaceSelector: {matchLabels: {ns: x}}
                podSelector: {matchLabels: {pod: a}}
            """));
        Cell(r, "x/a", "y/b", 80, "TCP", Blocked);
        Cell(r, "x/a", "y/b", 81, "UDP", Blocked);
        Cell(r, "x/b", "y/b", 80, "TCP", Blocked);
        Cell(r, "y/b", "x/a", 80, "TCP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task Udp_only_policy()
    {
        var r = await f.CheckAsync(Policy("x", "udp-81", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - ports:
              - protocol: UDP
                port: 81
            """));
        Cell(r, "y/a", "x/a", 81, "UDP", Open);
        Cell(r, "y/a", "x/a", 80, "UDP", Blocked);
        Cell(r, "y/a", "x/a", 81, "TCP", Blocked);
        Cell(r, "y/a", "x/b", 80, "TCP", Open);
        AllAgree(r);
    }

    [Fact]
    public async Task EndPort_ranges()
    {
        var r = await f.CheckAsync(Policy("x", "range", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
              ports: [{port: 80, endPort: 81}]
            """) + Policy("x", "range-above", """
            podSelector: {matchLabels: {pod: b}}
            ingress:
            - ports: [{protocol: UDP, port: 81, endPort: 9000}]
            """));
        Cell(r, "y/a", "x/a", 80, "TCP", Open);
        Cell(r, "y/a", "x/a", 81, "TCP", Open);
        Cell(r, "y/a", "x/a", 80, "UDP", Blocked);
        Cell(r, "z/a", "x/a", 80, "TCP", Blocked);
        Cell(r, "z/a", "x/b", 81, "UDP", Open);
        Cell(r, "z/a", "x/b", 80, "UDP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task Multiple_policies_are_unioned()
    {
        var r = await f.CheckAsync(Policy("x", "a-from-y", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
              ports: [{port: 80}]
            """) + Policy("x", "a-from-z-c", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: z}}, podSelector: {matchLabels: {pod: c}}}]
            """));
        Cell(r, "y/b", "x/a", 80, "TCP", Open);
        Cell(r, "y/b", "x/a", 81, "TCP", Blocked);
        Cell(r, "z/c", "x/a", 81, "UDP", Open);
        Cell(r, "z/a", "x/a", 80, "TCP", Blocked);
        AllAgree(r);
    }

    [Fact]
    public async Task Pod_and_namespace_label_changes_take_effect_live()
    {
        await f.ApplyAsync(Policy("x", "a-from-clients", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - namespaceSelector: {}
                podSelector: {matchLabels: {role: client}}
              - namespaceSelector: {matchLabels: {team: blue}}
            """));
        try
        {
            var before = await f.Runner().RunAsync(default);
            Cell(before, "z/c", "x/a", 80, "TCP", Blocked);
            Cell(before, "y/a", "x/a", 81, "UDP", Blocked);
            AllAgree(before);

            await f.LabelPodAsync("z/c", "role", "client");
            await f.LabelNamespaceAsync("y", "team", "blue");
            var after = await f.Runner().RunAsync(default);
            Cell(after, "z/c", "x/a", 80, "TCP", Open);
            Cell(after, "y/a", "x/a", 81, "UDP", Open);
            Cell(after, "z/b", "x/a", 80, "TCP", Blocked);
            AllAgree(after);

            // The isolated pod itself loses its label: it is no longer selected, so it is open again.
            await f.LabelPodAsync("x/a", "pod", "a-renamed");
            var freed = await f.Runner().RunAsync(default);
            Cell(freed, "z/b", "x/a", 80, "TCP", Open);
            AllAgree(freed);
        }
        finally
        {
            await f.LabelPodAsync("x/a", "pod", "a");
            await f.LabelPodAsync("z/c", "role", null);
            await f.LabelNamespaceAsync("y", "team", null);
            await f.DeletePoliciesAsync();
        }
    }

    [Fact]
    public async Task A_policy_updated_and_deleted_while_traffic_runs()
    {
        // Both versions block y/a → x/b TCP/80; a probe loop runs across the update and must never get through.
        var v1 = Policy("x", "changing", """
            podSelector: {}
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
              ports: [{port: 81}]
            """);
        var v2 = Policy("x", "changing", """
            podSelector: {}
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
              ports: [{port: 81}]
            """);
        try
        {
            await f.ApplyAsync(v1);
            var first = await f.Runner().RunAsync(default);
            Cell(first, "y/a", "x/b", 81, "TCP", Open);
            Cell(first, "z/a", "x/b", 81, "TCP", Blocked);
            Cell(first, "y/a", "x/b", 80, "TCP", Blocked);
            AllAgree(first);

            using var stop = new CancellationTokenSource();
            var loop = Task.Run(() => ProbeLoop("y", "a", f.PodIps["x/b"] + ":80", stop.Token));
            await Task.Delay(500);
            await f.ApplyAsync(v2);
            var second = await f.Runner().RunAsync(default);
            stop.Cancel();
            var (probes, leaks) = await loop;
            Assert.True(probes >= 3, $"only {probes} probes ran during the update");
            Assert.True(leaks == 0, $"{leaks} of {probes} probes y/a → x/b TCP/80 got through while the policy was replaced");
            Cell(second, "y/a", "x/b", 81, "TCP", Blocked);
            Cell(second, "z/a", "x/b", 81, "TCP", Open);
            AllAgree(second);

            await f.DeletePoliciesAsync();
            var third = await f.Runner().RunAsync(default);
            Cell(third, "y/a", "x/b", 80, "TCP", Open);
            AllAgree(third);
        }
        finally { await f.DeletePoliciesAsync(); }
    }

    [Fact]
    public async Task Traffic_to_a_service_clusterip_is_subject_to_policy()
    {
        var r = await f.CheckAsync(Policy("x", "deny-ingress", DenyIngressX) + Policy("x", "a-from-y", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
            """) + Policy("z", "c-to-y", """
            podSelector: {matchLabels: {pod: c}}
            policyTypes: [Egress]
            egress:
            - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
            """), viaService: true);
        // Egress is decided on the Service's backend, not on the ClusterIP.
        Cell(r, "z/c", "y/a", 80, "TCP", Open);
        Cell(r, "z/c", "z/a", 81, "UDP", Blocked);
        Cell(r, "y/b", "x/a", 80, "TCP", Open);
        Cell(r, "y/b", "x/a", 81, "UDP", Open);
        Cell(r, "z/b", "x/a", 80, "TCP", Blocked);
        Cell(r, "y/b", "x/b", 80, "TCP", Blocked);
        Cell(r, "z/b", "y/c", 81, "UDP", Open);
        AllAgree(r);
    }

    /// <summary>Short TCP probes in a loop until stopped: how many ran and how many connected.</summary>
    private (int Probes, int Leaks) ProbeLoop(string ns, string pod, string target, CancellationToken stop)
    {
        int probes = 0, leaks = 0;
        while (!stop.IsCancellationRequested && probes < 200)
        {
            using var p = PodExec.Start(f.Lab.Name, ns, pod, null, ["agnhost", "connect", target, "--timeout", "200ms"], redirect: true);
            p.StandardInput.Close();
            if (!p.WaitForExit(5000)) p.Kill(true);
            p.WaitForExit();
            probes++;
            if (p.ExitCode == 0) leaks++;
        }
        return (probes, leaks);
    }
}
