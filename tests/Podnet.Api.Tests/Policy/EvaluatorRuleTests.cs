using System.Net;
using Podnet.Api.Models;
using Podnet.Api.Policy;

namespace Podnet.Api.Tests.Policy;

/// <summary>One rule of the NetworkPolicy semantics per case: policies, then cells (from, to, port,
/// protocol) with the answer the API documentation gives.</summary>
public sealed class EvaluatorRuleTests
{
    private static readonly PolicyWorld W = new();

    private static string Ingress(string ns, string podSelector, string rules, string? types = null) => $$"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p-{{Guid.NewGuid():N}}, namespace: {{ns}}}
        spec:
          podSelector: {{podSelector}}
        {{(types is null ? "" : "  policyTypes: " + types)}}
          ingress: {{rules}}
        """;

    private static string Egress(string ns, string podSelector, string rules) => $$"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p-{{Guid.NewGuid():N}}, namespace: {{ns}}}
        spec:
          podSelector: {{podSelector}}
          policyTypes: [Egress]
          egress: {{rules}}
        """;

    // Ingress isolation with no ingress rules, and one egress rule to z/c's address.
    private static string Typed(string types) => $$$"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p-{{{Guid.NewGuid():N}}}, namespace: x}
        spec:
          podSelector: {}
          policyTypes: {{{types}}}
          egress: [{to: [{ipBlock: {cidr: 10.244.3.12/32}}]}]
        """;

    public static TheoryData<string, string, string, string, int, string, bool> Cells => new()
    {
        // matchExpressions operators on the isolated pod's selector and on peers
        { "In selects x/a and x/b", Ingress("x", "{matchExpressions: [{key: pod, operator: In, values: [a, b]}]}", "[]"), "y/a", "x/b", 80, "TCP", false },
        { "In leaves x/c alone", Ingress("x", "{matchExpressions: [{key: pod, operator: In, values: [a, b]}]}", "[]"), "y/a", "x/c", 80, "TCP", true },
        { "NotIn selects the others", Ingress("x", "{matchExpressions: [{key: pod, operator: NotIn, values: [a]}]}", "[]"), "y/a", "x/c", 80, "TCP", false },
        { "NotIn leaves the listed", Ingress("x", "{matchExpressions: [{key: pod, operator: NotIn, values: [a]}]}", "[]"), "y/a", "x/a", 80, "TCP", true },
        { "Exists selects labelled pods", Ingress("x", "{matchExpressions: [{key: pod, operator: Exists}]}", "[]"), "y/a", "x/c", 80, "TCP", false },
        { "DoesNotExist selects none here", Ingress("x", "{matchExpressions: [{key: pod, operator: DoesNotExist}]}", "[]"), "y/a", "x/c", 80, "TCP", true },
        { "peer DoesNotExist on a missing label matches", Ingress("x", "{matchLabels: {pod: a}}", "[{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}}]}]"), "z/c", "x/a", 80, "TCP", true },
        { "peer Exists on a missing label does not", Ingress("x", "{matchLabels: {pod: a}}", "[{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}}]}]"), "z/c", "x/a", 80, "TCP", false },
        { "matchLabels and matchExpressions are ANDed", Ingress("x", "{matchLabels: {pod: a}}", "[{from: [{podSelector: {matchLabels: {pod: b}, matchExpressions: [{key: pod, operator: In, values: [c]}]}}]}]"), "x/b", "x/a", 80, "TCP", false },
        // empty things
        { "empty podSelector selects every pod of the namespace", Ingress("x", "{}", "[]"), "x/a", "x/c", 80, "TCP", false },
        { "a policy selects only in its own namespace", Ingress("x", "{}", "[]"), "x/a", "y/c", 80, "TCP", true },
        { "ingress rule {} allows everything", Ingress("x", "{}", "[{}]"), "z/c", "x/b", 81, "UDP", true },
        { "from: [] allows every source", Ingress("x", "{}", "[{from: [], ports: [{port: 81}]}]"), "z/c", "x/b", 81, "TCP", true },
        { "ports: [] allows every port", Ingress("x", "{}", "[{from: [{podSelector: {}}], ports: []}]"), "x/c", "x/b", 80, "UDP", true },
        { "podSelector {} as a peer means this namespace only", Ingress("x", "{}", "[{from: [{podSelector: {}}]}]"), "y/c", "x/b", 80, "TCP", false },
        { "namespaceSelector {} as a peer means every namespace", Ingress("x", "{}", "[{from: [{namespaceSelector: {}}]}]"), "y/c", "x/b", 80, "TCP", true },
        // ports
        { "numeric port allows it", Ingress("x", "{}", "[{ports: [{port: 81}]}]"), "y/a", "x/a", 81, "TCP", true },
        { "numeric port blocks the other", Ingress("x", "{}", "[{ports: [{port: 81}]}]"), "y/a", "x/a", 80, "TCP", false },
        { "protocol defaults to TCP", Ingress("x", "{}", "[{ports: [{port: 81}]}]"), "y/a", "x/a", 81, "UDP", false },
        { "UDP-only rule allows UDP", Ingress("x", "{}", "[{ports: [{protocol: UDP, port: 81}]}]"), "y/a", "x/a", 81, "UDP", true },
        { "UDP-only rule blocks TCP on that port", Ingress("x", "{}", "[{ports: [{protocol: UDP, port: 81}]}]"), "y/a", "x/a", 81, "TCP", false },
        { "SCTP rule allows SCTP", Ingress("x", "{}", "[{ports: [{protocol: SCTP, port: 80}]}]"), "y/a", "x/a", 80, "SCTP", true },
        { "SCTP rule blocks TCP", Ingress("x", "{}", "[{ports: [{protocol: SCTP, port: 80}]}]"), "y/a", "x/a", 80, "TCP", false },
        { "protocol without port allows all its ports", Ingress("x", "{}", "[{ports: [{protocol: UDP}]}]"), "y/a", "x/a", 80, "UDP", true },
        { "endPort includes its start", Ingress("x", "{}", "[{ports: [{port: 80, endPort: 81}]}]"), "y/a", "x/a", 80, "TCP", true },
        { "endPort includes its end", Ingress("x", "{}", "[{ports: [{port: 80, endPort: 81}]}]"), "y/a", "x/a", 81, "TCP", true },
        { "endPort range starting above", Ingress("x", "{}", "[{ports: [{port: 81, endPort: 90}]}]"), "y/a", "x/a", 80, "TCP", false },
        { "named port allows its number", Ingress("x", "{}", "[{ports: [{port: serve-81-tcp}]}]"), "y/a", "x/a", 81, "TCP", true },
        { "named port blocks another number", Ingress("x", "{}", "[{ports: [{port: serve-81-tcp}]}]"), "y/a", "x/a", 80, "TCP", false },
        { "named UDP port needs protocol UDP", Ingress("x", "{}", "[{ports: [{port: serve-81-udp}]}]"), "y/a", "x/a", 81, "UDP", false },
        { "named UDP port with protocol UDP", Ingress("x", "{}", "[{ports: [{protocol: UDP, port: serve-81-udp}]}]"), "y/a", "x/a", 81, "UDP", true },
        { "unknown named port allows nothing", Ingress("x", "{}", "[{ports: [{port: nope}]}]"), "y/a", "x/a", 80, "TCP", false },
        { "peer and port must both match", Ingress("x", "{}", "[{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]"), "z/a", "x/a", 80, "TCP", false },
        { "rules are ORed", Ingress("x", "{}", "[{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}, {ports: [{port: 81}]}]"), "z/a", "x/a", 81, "TCP", true },
        // policyTypes
        { "no policyTypes and no egress rules: egress not isolated", Ingress("x", "{}", "[]"), "x/a", "y/a", 80, "TCP", true },
        { "Egress-only policy does not isolate ingress", Egress("x", "{}", "[]"), "y/a", "x/a", 80, "TCP", true },
        { "Egress-only policy isolates egress", Egress("x", "{}", "[]"), "x/a", "y/a", 80, "TCP", false },
        { "Ingress+Egress with no rules isolates both (egress)", Ingress("x", "{}", "[]", "[Ingress, Egress]"), "x/a", "y/a", 80, "TCP", false },
        { "explicit Egress type alone leaves ingress open", Ingress("x", "{}", "[]", "[Egress]"), "y/a", "x/a", 80, "TCP", true },
        { "policyTypes [] defaults like omitted: ingress isolated", Ingress("x", "{}", "[]", "[]"), "y/a", "x/a", 80, "TCP", false },
        { "policyTypes [] with egress rules isolates egress", Typed("[]"), "x/a", "y/a", 80, "TCP", false },
        { "policyTypes [] with egress rules allows what they allow", Typed("[]"), "x/a", "z/c", 80, "TCP", true },
        { "Ingress-only policy with egress rules leaves egress open", Typed("[Ingress]"), "x/a", "y/a", 80, "TCP", true },
        { "Ingress-only policy with egress rules isolates ingress", Typed("[Ingress]"), "y/a", "x/a", 80, "TCP", false },
        // egress peers, ports on the destination
        { "egress ipBlock allows the /32", Egress("x", "{matchLabels: {pod: a}}", "[{to: [{ipBlock: {cidr: 10.244.3.12/32}}]}]"), "x/a", "z/c", 80, "TCP", true },
        { "egress ipBlock blocks the rest", Egress("x", "{matchLabels: {pod: a}}", "[{to: [{ipBlock: {cidr: 10.244.3.12/32}}]}]"), "x/a", "z/b", 80, "TCP", false },
        { "ipBlock with host bits is read as its network", Egress("x", "{matchLabels: {pod: a}}", "[{to: [{ipBlock: {cidr: 10.244.3.99/24}}]}]"), "x/a", "z/b", 80, "TCP", true },
        { "except carves out of the block", Egress("x", "{matchLabels: {pod: a}}", "[{to: [{ipBlock: {cidr: 10.244.3.0/24, except: [10.244.3.8/30]}}]}]"), "x/a", "z/b", 80, "TCP", false },
        { "except leaves the rest", Egress("x", "{matchLabels: {pod: a}}", "[{to: [{ipBlock: {cidr: 10.244.3.0/24, except: [10.244.3.8/30]}}]}]"), "x/a", "z/c", 80, "TCP", true },
        { "egress named port is resolved on the destination", Egress("x", "{matchLabels: {pod: a}}", "[{ports: [{port: serve-80-tcp}]}]"), "x/a", "z/b", 80, "TCP", true },
        { "egress port rule blocks other ports", Egress("x", "{matchLabels: {pod: a}}", "[{ports: [{port: 80}]}]"), "x/a", "z/b", 81, "TCP", false },
        // self
        { "a pod is never blocked from itself", Ingress("x", "{}", "[]", "[Ingress, Egress]"), "x/a", "x/a", 80, "TCP", true },
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell(string name, string yaml, string from, string to, int port, string proto, bool allowed)
    {
        var verdict = W.Evaluator(yaml).Evaluate(new PodEndpoint(W.Pod(from)), new PodEndpoint(W.Pod(to)), port, proto);
        Assert.True(verdict.Allowed == allowed, $"{name}: {from} → {to} {proto}/{port}: {verdict}");
    }

    private const string DenyAllX = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
        """;

    [Fact]
    public void Traffic_from_the_pods_own_node_is_let_in_and_from_another_node_is_not()
    {
        var ev = W.Evaluator(DenyAllX);
        var xa = new PodEndpoint(W.Pod("x/a"));
        Assert.True(ev.Allowed(new IpEndpoint(IPAddress.Parse("192.168.80.11"), "node-1"), xa, 80, "TCP"));
        Assert.False(ev.Allowed(new IpEndpoint(IPAddress.Parse("192.168.80.12"), "node-2"), xa, 80, "TCP"));
    }

    [Fact]
    public void Outside_addresses_match_only_ipBlocks()
    {
        var ev = W.Evaluator(Ingress("x", "{}", "[{from: [{ipBlock: {cidr: 203.0.113.0/24}}, {namespaceSelector: {}}]}]"));
        var xa = new PodEndpoint(W.Pod("x/a"));
        Assert.True(ev.Allowed(new IpEndpoint(IPAddress.Parse("203.0.113.10")), xa, 80, "TCP"));
        Assert.False(ev.Allowed(new IpEndpoint(IPAddress.Parse("198.51.100.7")), xa, 80, "TCP"));
        // Egress to an address that is no pod: ipBlock decides, and a named port cannot resolve.
        var eg = W.Evaluator(Egress("x", "{}", "[{to: [{ipBlock: {cidr: 203.0.113.0/24}}]}, {ports: [{port: serve-80-tcp}]}]"));
        Assert.True(eg.Allowed(xa, new IpEndpoint(IPAddress.Parse("203.0.113.10")), 443, "TCP"));
        Assert.False(eg.Allowed(xa, new IpEndpoint(IPAddress.Parse("198.51.100.7")), 80, "TCP"));
    }

    [Fact]
    public void Named_ports_resolve_per_destination_pod()
    {
        // x/b serves "web" on 8080 and x/c on 9090: one rule allows a different number on each.
        PolicyPod WithWeb(string key, int port) => W.Pod(key) with { Ports = [new("web", port, "TCP")] };
        var world = W.With(WithWeb("x/b", 8080)).With(WithWeb("x/c", 9090));
        var ev = world.Evaluator(Ingress("x", "{}", "[{ports: [{port: web}]}]"));
        PodEndpoint P(string k) => new(world.Pod(k));
        Assert.True(ev.Allowed(P("y/a"), P("x/b"), 8080, "TCP"));
        Assert.False(ev.Allowed(P("y/a"), P("x/b"), 9090, "TCP"));
        Assert.True(ev.Allowed(P("y/a"), P("x/c"), 9090, "TCP"));
        Assert.False(ev.Allowed(P("y/a"), P("x/c"), 8080, "TCP"));
        Assert.False(ev.Allowed(P("y/a"), P("x/a"), 8080, "TCP"));
    }

    [Fact]
    public void A_label_change_moves_a_pod_in_and_out_of_a_policy()
    {
        var yaml = Ingress("x", "{matchLabels: {pod: a}}", "[{from: [{namespaceSelector: {}, podSelector: {matchLabels: {role: client}}}]}]");
        var before = W.Evaluator(yaml);
        Assert.False(before.Allowed(new PodEndpoint(W.Pod("z/c")), new PodEndpoint(W.Pod("x/a")), 80, "TCP"));
        var relabelled = W.Pod("z/c") with { Labels = new Dictionary<string, string> { ["pod"] = "c", ["role"] = "client" } };
        var world = W.With(relabelled);
        Assert.True(world.Evaluator(yaml).Allowed(new PodEndpoint(relabelled), new PodEndpoint(world.Pod("x/a")), 80, "TCP"));
        // Relabelling the isolated pod frees it.
        var freed = W.Pod("x/a") with { Labels = new Dictionary<string, string> { ["pod"] = "freed" } };
        var world2 = W.With(freed);
        Assert.True(world2.Evaluator(yaml).Allowed(new PodEndpoint(world2.Pod("y/b")), new PodEndpoint(freed), 80, "TCP"));
    }

    [Fact]
    public void Namespace_labels_come_from_the_namespace_list()
    {
        var yaml = Ingress("x", "{}", "[{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]");
        var nss = W.Namespaces.Select(n => n.Name == "z" ? n with { Labels = new Dictionary<string, string>(n.Labels) { ["team"] = "blue" } } : n);
        var ev = new PolicyEvaluator(nss, PolicyWorld.Parse(yaml));
        Assert.True(ev.Allowed(new PodEndpoint(W.Pod("z/a")), new PodEndpoint(W.Pod("x/a")), 80, "TCP"));
        Assert.False(ev.Allowed(new PodEndpoint(W.Pod("y/a")), new PodEndpoint(W.Pod("x/a")), 80, "TCP"));
    }

    [Fact]
    public void Denials_explain_which_policy_isolates()
    {
        var v = W.Evaluator(DenyAllX).Evaluate(new PodEndpoint(W.Pod("y/a")), new PodEndpoint(W.Pod("x/b")), 80, "TCP");
        Assert.False(v.Allowed);
        Assert.Contains("ingress of x/b is isolated by x/deny-all", v.Reason);
    }

    [Fact]
    public void A_bad_operator_is_an_error_naming_the_policy()
    {
        var e = Assert.Throws<ArgumentException>(() => W.Evaluator(Ingress("x", "{matchExpressions: [{key: pod, operator: Near}]}", "[]")));
        Assert.Contains("NetworkPolicy \"x/p-", e.Message);
        Assert.Contains("Near", e.Message);
    }

    [Fact]
    public void An_api_pod_becomes_a_policy_pod_with_its_named_ports()
    {
        var pod = new Pod
        {
            Metadata = new() { Name = "a", Namespace = "x", Labels = new() { ["pod"] = "a" } },
            Spec = new() { NodeName = "node-1", Containers = [new() { Name = "c", Ports = [new() { Name = "serve-80-udp", Port = 80, Protocol = "UDP" }, new() { Name = "web", Port = 8080 }] }] },
            Status = new() { PodIP = "10.244.1.5" },
        };
        var p = PolicyPod.From(pod);
        Assert.Equal("x/a", p.Key);
        Assert.Equal(IPAddress.Parse("10.244.1.5"), p.Ip);
        Assert.Equal([new PodPort("serve-80-udp", 80, "UDP"), new PodPort("web", 8080, "TCP")], p.Ports);
        Assert.Throws<ArgumentException>(() => PolicyPod.From(pod with { Status = new() }));
    }
}
