using Podnet.Agent.Hosting;
using Podnet.Agent.Policy;
using Podnet.Agent.Proxy;

namespace Podnet.Agent.Tests.Hosting;

/// <summary>The command line and run loop the proxy and netpol subcommands share.</summary>
public sealed class AgentCommandTests
{
    [Fact]
    public void Api_node_and_the_commands_own_options_are_read()
    {
        var err = new StringWriter();
        var a = AgentArgs.Parse("proxy", "USAGE", ["--node", "node-2", "--table", "t1", "--api", "/run/x.sock"], ["--table", "--cluster-cidr"], err);
        Assert.NotNull(a);
        Assert.Equal(("/run/x.sock", "node-2", "t1"), (a.Api, a.Node, a["--table"]));
        Assert.Null(a["--cluster-cidr"]);
        Assert.Null(a["--api"]); // not one of the command's own options
        Assert.Empty(err.ToString());
    }

    [Theory]
    [InlineData(new[] { "--api", "s" }, "podnetd netpol: --api and --node are required")]
    [InlineData(new[] { "--node", "n" }, "podnetd netpol: --api and --node are required")]
    [InlineData(new[] { "--api", "s", "--node", "n", "--cluster-cidr", "10.0.0.0/8" }, "podnetd netpol: unknown option --cluster-cidr")]
    [InlineData(new[] { "--api", "s", "--node" }, "podnetd netpol: --node needs a value")]
    [InlineData(new[] { "extra" }, "podnetd netpol: unknown option extra")]
    public async Task A_bad_command_line_exits_2_naming_the_problem_with_the_usage(string[] args, string problem)
    {
        var err = new StringWriter();
        Assert.Equal(2, await NetpolCommand.RunAsync(args, err));
        Assert.StartsWith(problem + "\n", err.ToString());
        Assert.Contains(NetpolCommand.Usage, err.ToString());
    }

    [Fact]
    public async Task A_bad_cluster_cidr_exits_2_before_anything_runs()
    {
        var err = new StringWriter();
        Assert.Equal(2, await ProxyCommand.RunAsync(["--api", "s", "--node", "n", "--cluster-cidr", "10.244.0.0/33"], err));
        Assert.StartsWith("podnetd proxy: --cluster-cidr needs a CIDR\n", err.ToString());
        Assert.Contains(ProxyCommand.Usage, err.ToString());
    }

    [Fact]
    public async Task The_host_exits_0_after_the_agent_returns_and_1_with_the_error_logged_when_it_fails()
    {
        var a = AgentArgs.Parse("proxy", "USAGE", ["--api", "/nonexistent/pnt.sock", "--node", "node-3"], [], TextWriter.Null)!;
        var err = new StringWriter();
        string? logged = null;
        Assert.Equal(0, await AgentHost.RunAsync(a, err, (_, log, _) => { log("started"); logged = err.ToString(); return Task.CompletedTask; }));
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} node-3: started", logged);

        err = new StringWriter();
        Assert.Equal(1, await AgentHost.RunAsync(a, err, (_, _, _) => throw new InvalidOperationException("table busy")));
        Assert.EndsWith("node-3: proxy: fatal: table busy" + Environment.NewLine, err.ToString());
    }
}
