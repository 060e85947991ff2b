using Podnet.Cli.Apply;
using Podnet.Cli.Check;

namespace Podnet.Lab.Tests.NetworkPolicy;

/// <summary>podnet check's pure parts: the model's objects, the policy loader's errors and the tables.</summary>
public sealed class CheckOutputTests
{
    private static readonly ConformanceModel Small = new() { Namespaces = ["x"], PodNames = ["a", "b"], Ports = [80], Protocols = ["TCP"] };

    [Fact]
    public void The_standard_model_is_the_upstream_one()
    {
        var m = ConformanceModel.Standard;
        Assert.Equal(["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"], m.Pods);
        Assert.Equal([(80, "TCP"), (81, "TCP"), (80, "UDP"), (81, "UDP")], m.Cases);
        var pod = m.PodObject("y", "b");
        Assert.Equal("b", pod["metadata"]!["labels"]!["pod"]!.GetValue<string>());
        var ports = pod["spec"]!["containers"]![0]!["ports"]!.AsArray().Select(p => $"{p!["name"]}={p["containerPort"]}/{p["protocol"]}");
        Assert.Equal(["serve-80-tcp=80/TCP", "serve-81-tcp=81/TCP", "serve-80-udp=80/UDP", "serve-81-udp=81/UDP"], ports);
        Assert.Equal("""["agnhost","netexec","--tcp-port=80,81","--udp-port=80,81"]""", pod["spec"]!["containers"]![0]!["command"]!.ToJsonString());
        Assert.Equal("y", m.NamespaceObject("y")["metadata"]!["labels"]!["ns"]!.GetValue<string>());
        Assert.Equal("s-y-b", m.ServiceObject("y", "b")["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Tables_show_expected_and_observed_side_by_side_and_mark_differences()
    {
        CellResult C(string from, string to, bool exp, bool obs) => new(new Cell(from, to, 80, "TCP"), exp, obs, $"reason {from}>{to}");
        var r = new CheckResult(Small, [C("x/a", "x/a", true, true), C("x/a", "x/b", false, true), C("x/b", "x/a", true, true), C("x/b", "x/b", true, true)], 3, TimeSpan.FromSeconds(2.5));
        var text = TableWriter.Write(r);
        var lines = text.Split('\n');
        Assert.StartsWith("TCP/80", lines[0]);
        Assert.Contains("expected", lines[0]);
        Assert.Contains("observed  (1 differ)", lines[0]);
        Assert.Matches(@"^x/a\s+\.\s+X\s+x/a\s+\.\s+\.!$", lines[2]);
        Assert.Matches(@"^x/b\s+\.\s+\.\s+x/b\s+\.\s+\.$", lines[3]);
        Assert.Contains("check: FAILED: 1 of 4 cells differ from the expected table, 3 probe rounds in 2.5 s", text);
        Assert.Contains("x/a → x/b TCP/80: expected X, observed . (reason x/a>x/b)", text);
        Assert.False(r.AllAgree);

        var ok = r with { Cells = r.Cells.Select(c => c with { Observed = c.Expected }).ToList(), Rounds = 1 };
        Assert.True(ok.AllAgree);
        Assert.Contains("check: all 4 cells as expected (3 reachable, 1 blocked), 1 probe round in 2.5 s", TableWriter.Write(ok));
        Assert.DoesNotContain("!", TableWriter.Write(ok).Split('\n')[2]);
    }

    [Fact]
    public void The_loader_accepts_policies_of_the_model_and_puts_bare_ones_in_x()
    {
        var docs = PolicyFiles.Load([new ManifestSource("f.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p}
            spec: {podSelector: {}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: q, namespace: z}
            spec: {podSelector: {}, policyTypes: [Egress]}
            """)], "x", false, ConformanceModel.Standard);
        Assert.Equal(["x/p", "z/q"], docs.Select(d => $"{d.Namespace}/{d.Name}"));
    }

    [Theory]
    [InlineData("""
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec: {ports: [{port: 80}]}
        """, "document 1 (Service \"s\"): podnet check applies NetworkPolicy objects only")]
    [InlineData("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: default}
        spec: {podSelector: {}}
        """, "namespace \"default\" is not one of the model's (x, y, z)")]
    [InlineData("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p}
        spec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}
        """, "spec.ingress[0].ports[0].port: Invalid value: 0")]
    [InlineData("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p}
        spec: {podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/4]}}]}]}
        """, "spec.egress[0].to[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/4\"")]
    [InlineData("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p}
        spec: {podSelector: {matchExpressions: [{key: a, operator: Near}]}}
        """, "spec.podSelector.matchExpressions[0].operator: Unsupported value: \"Near\"")]
    [InlineData("kind: [", "f.yaml: invalid YAML")]
    public void The_loader_rejects_bad_documents_naming_them(string yaml, string message)
    {
        var e = Assert.Throws<CheckException>(() => PolicyFiles.Load([new ManifestSource("f.yaml", yaml)], "x", false, ConformanceModel.Standard));
        Assert.Contains(message, e.Message);
        Assert.Contains("nothing was checked", e.Message);
    }
}
