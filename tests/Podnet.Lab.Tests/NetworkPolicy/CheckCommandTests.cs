using Podnet.Api.Resources;
using Podnet.Cli;
using Podnet.Lab.Tests.Cli;
using Podnet.Testing;

namespace Podnet.Lab.Tests.NetworkPolicy;

/// <summary><c>podnet check</c> itself, run in-process against the shared lab (whose model already
/// exists, so check must reuse it and remove only the policies it created).</summary>
[Collection("netpol")]
public sealed class CheckCommandTests(NetpolLabFixture f)
{
    private async Task<CliResult> Check(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using var ctx = new CliContext(o, e, new StringReader(""), env: _ => null);
        var code = await CliApp.RunAsync(["check", "--lab", f.Lab.Name, .. args], ctx);
        return new CliResult(code, o.ToString(), e.ToString());
    }

    private async Task<int> PolicyCount() =>
        (await Task.WhenAll(f.Model.Namespaces.Select(ns => f.Lab.Api.ListAsync(ApiResources.NetworkPolicies, ns)))).Sum(l => l.Items.Count);

    [Fact]
    public async Task The_examples_pass_and_check_leaves_the_existing_model_and_removes_its_policies()
    {
        var r = await Check("-f", Path.Combine(Binaries.RepoRoot(), "examples", "netpol"));
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("check: all 324 cells as expected", r.Out);
        Assert.Contains("created networkpolicy x/deny-ingress", r.Err);
        Assert.DoesNotContain("creating namespaces", r.Err);
        Assert.DoesNotContain("removing namespaces", r.Err);
        Assert.Equal(0, await PolicyCount());
        Assert.Equal(9, (await Task.WhenAll(f.Model.Namespaces.Select(ns => f.Lab.Api.ListAsync(ApiResources.Pods, ns)))).Sum(l => l.Items.Count));
    }

    [Fact]
    public async Task A_policy_the_api_rejects_changes_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("pnt-check-");
        try
        {
            var path = Path.Combine(dir.FullName, "p.yaml");
            await File.WriteAllTextAsync(path, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: good, namespace: y}
                spec: {podSelector: {}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: bad, namespace: x}
                spec: {podSelector: {}, ingress: [{ports: [{port: 90, endPort: 80}]}]}
                """);
            var r = await Check("-f", path);
            Assert.Equal(1, r.Exit);
            Assert.Contains("spec.ingress[0].ports[0].endPort: Invalid value: 80", r.Err);
            Assert.Contains("NetworkPolicy \"bad\"", r.Err);
            Assert.Equal(0, await PolicyCount());
            Assert.DoesNotContain("probing", r.Err);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public async Task Ctrl_C_still_removes_the_policies_check_created()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var o = new StringWriter();
        var e = new StringWriter();
        using var ctx = new CliContext(o, e, new StringReader(""), env: _ => null) { Cancel = cts.Token };
        var code = await CliApp.RunAsync(["check", "--lab", f.Lab.Name, "-f", Path.Combine(Binaries.RepoRoot(), "examples", "netpol")], ctx);
        Assert.True(code == 130, $"exit {code}\n{o}\n{e}");
        Assert.Contains("interrupted", e.ToString());
        Assert.Equal(0, await PolicyCount());
        Assert.Equal(9, (await Task.WhenAll(f.Model.Namespaces.Select(ns => f.Lab.Api.ListAsync(ApiResources.Pods, ns)))).Sum(l => l.Items.Count));
    }

    [Fact]
    public async Task A_missing_lab_is_a_clear_error()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using var ctx = new CliContext(o, e, new StringReader(""), env: _ => null);
        var code = await CliApp.RunAsync(["check", "--lab", "pnt-nolab"], ctx);
        Assert.Equal(1, code);
        Assert.Contains("cannot reach the cluster API of lab \"pnt-nolab\"", e.ToString());
        Assert.Contains("podnet lab up", e.ToString());
    }
}
