namespace Podnet.Lab.Tests.Cli;

/// <summary>Unknown commands, flags and resource types: a message naming them, exit 1, no stack trace.</summary>
public sealed class UsageErrorTests(CliHarness h) : IClassFixture<CliHarness>
{
    [Theory]
    [InlineData(new[] { "gett", "pods" }, "unknown command \"gett\" for \"podnet\"", "get")]
    [InlineData(new[] { "get", "potatoes" }, "the server doesn't have a resource type \"potatoes\"", null)]
    [InlineData(new[] { "get", "pods", "--colour" }, "unknown flag: --colour", "See 'podnet get --help'")]
    [InlineData(new[] { "get", "pods", "-z" }, "unknown shorthand flag: 'z' in -z", null)]
    [InlineData(new[] { "get", "pods", "-o", "xml" }, "output format \"xml\"", null)]
    [InlineData(new[] { "get" }, "you must specify the type of resource to get", null)]
    [InlineData(new[] { "get", "pods", "-l", "app in x" }, "label selector \"app in x\"", null)]
    [InlineData(new[] { "apply" }, "must specify one of -f", null)]
    [InlineData(new[] { "apply", "-f", "/nonexistent/x.yaml" }, "the path \"/nonexistent/x.yaml\" does not exist", null)]
    [InlineData(new[] { "delete", "pod" }, "no name was specified", null)]
    [InlineData(new[] { "--lab", "../etc", "get", "pods" }, "invalid lab name \"../etc\"", null)]
    public async Task User_errors_name_what_is_wrong(string[] args, string message, string? more)
    {
        var r = await h.Run(args);
        Assert.True(r.Exit == 1, r.ToString());
        Assert.Contains(message, r.Err);
        if (more is not null) Assert.Contains(more, r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
    }

    [Fact]
    public async Task Aliases_resolve_to_the_same_resource()
    {
        foreach (var alias in new[] { "po", "pod", "pods", "Pod" })
            Assert.Equal(0, (await h.Run("get", alias, "-n", "kube-system")).Exit);
        var svc = await h.Run("get", "svc", "kubernetes");
        Assert.True(svc.Exit == 0, svc.ToString());
        Assert.Matches(@"kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443/TCP", svc.Out);
    }

    [Fact]
    public async Task Api_resources_lists_short_names()
    {
        var r = await h.Run("api-resources");
        Assert.Equal(0, r.Exit);
        Assert.Matches(@"NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\n", r.Out);
        Assert.Matches(@"deployments\s+deploy\s+apps/v1\s+true\s+Deployment\n", r.Out);
        Assert.Matches(@"nodes\s+no\s+v1\s+false\s+Node\n", r.Out);
    }

    [Fact]
    public async Task Help_lists_commands_and_flags()
    {
        var r = await h.Run("--help");
        Assert.Equal(0, r.Exit);
        Assert.Contains("apply", r.Out);
        Assert.DoesNotContain("controlplane", r.Out);
        r = await h.Run("get", "--help");
        Assert.Equal(0, r.Exit);
        Assert.Contains("--all-namespaces", r.Out);
    }

    [Fact]
    public async Task Unreachable_lab_is_explained()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var run = Path.Combine(h.Dir, "norun");
        using var ctx = new Podnet.Cli.CliContext(o, e, new StringReader(""), env: _ => null, runRoot: run);
        var code = await Podnet.Cli.CliApp.RunAsync(["get", "pods", "--lab", "ghost"], ctx);
        Assert.Equal(1, code);
        Assert.Contains($"cannot reach the cluster API of lab \"ghost\" (--lab) at {run}/ghost/api.sock", e.ToString());
        Assert.Contains("podnet lab up --name ghost", e.ToString());
    }
}
