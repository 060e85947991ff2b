using Podnet.Cli.Check;

namespace Podnet.Lab.Tests.NetworkPolicy;

/// <summary>Assertions shared by the scenarios: every cell as the evaluator expects, and a few cells
/// written by hand from the e2e test's intent, checked against both the evaluator and the probes
/// (so an evaluator bug cannot make both tables agree vacuously).</summary>
internal static class Scenario
{
    public const bool Open = true, Blocked = false;

    public static void AllAgree(CheckResult r) => Assert.True(r.AllAgree, "\n" + TableWriter.Write(r));

    public static void Cell(CheckResult r, string from, string to, int port, string proto, bool reachable)
    {
        var c = r[from, to, port, proto];
        static string M(bool b) => b ? "reachable" : "blocked";
        Assert.True(c.Expected == reachable, $"the evaluator says {c.Cell} is {M(c.Expected)}, the scenario says {M(reachable)} ({c.Reason})");
        Assert.True(c.Observed == reachable, $"{c.Cell} was observed {M(c.Observed)}, the scenario says {M(reachable)}\n{TableWriter.Write(r)}");
    }

    /// <summary>A NetworkPolicy document (the body is indented YAML under spec).</summary>
    public static string Policy(string ns, string name, string spec) =>
        $"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{Indent(spec)}\n---\n";

    private static string Indent(string s) => string.Join('\n', s.Trim('\n').Split('\n').Select(l => "  " + l));
}
