using Podnet.Cli.Args;

namespace Podnet.Lab.Tests.Cli;

public class ArgParserTests
{
    private static readonly FlagSpec[] Flags =
    [
        FlagSpec.Value("namespace", 'n', "NS", ""),
        FlagSpec.Value("output", 'o', "FMT", ""),
        FlagSpec.Bool("all-namespaces", 'A', ""),
        FlagSpec.Bool("stdin", 'i', ""),
        FlagSpec.Bool("tty", 't', ""),
        FlagSpec.Value("filename", 'f', "FILE", ""),
        FlagSpec.Bool("wait", null, ""),
    ];

    private static ParsedArgs P(params string[] a) => ArgParser.Parse(a, Flags, "test");

    [Theory]
    [InlineData(new[] { "pods", "-n", "kube-system" }, "kube-system")]
    [InlineData(new[] { "-nkube-system", "pods" }, "kube-system")]
    [InlineData(new[] { "pods", "--namespace=kube-system" }, "kube-system")]
    [InlineData(new[] { "--namespace", "kube-system", "pods" }, "kube-system")]
    [InlineData(new[] { "-n=kube-system", "pods" }, "kube-system")]
    [InlineData(new[] { "-n", "a", "pods", "-n", "b" }, "b")]
    public void Value_flags_in_every_spelling_and_position(string[] args, string ns)
    {
        var p = P(args);
        Assert.Equal(ns, p.Value("namespace"));
        Assert.Equal(["pods"], p.Positionals);
    }

    [Fact]
    public void Short_flags_combine_and_take_attached_values()
    {
        var p = P("-it", "-owide", "x");
        Assert.True(p.Bool("stdin"));
        Assert.True(p.Bool("tty"));
        Assert.Equal("wide", p.Value("output"));
        Assert.Equal(["x"], p.Positionals);
        Assert.False(p.Bool("all-namespaces"));
    }

    [Fact]
    public void Everything_after_double_dash_passes_through()
    {
        var p = P("pod", "-n", "x", "--", "sh", "-c", "echo -n hi --namespace");
        Assert.Equal(["pod"], p.Positionals);
        Assert.Equal(["sh", "-c", "echo -n hi --namespace"], p.AfterDashDash!);
        Assert.Null(P("pod").AfterDashDash);
    }

    [Fact]
    public void Repeated_value_flags_are_all_kept()
    {
        var p = P("-f", "a.yaml", "--filename=b.yaml", "-fc.yaml");
        Assert.Equal(["a.yaml", "b.yaml", "c.yaml"], p.Values("filename"));
    }

    [Theory]
    [InlineData(new[] { "--wait=false" }, false)]
    [InlineData(new[] { "--wait" }, true)]
    [InlineData(new[] { "--wait=true" }, true)]
    public void Bool_flags_take_explicit_values(string[] args, bool expected) => Assert.Equal(expected, P(args).Bool("wait", !expected));

    [Fact]
    public void Negative_numbers_are_positionals() => Assert.Equal(["-5"], P("-5").Positionals);

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown flag: --bogus")]
    [InlineData(new[] { "--bogus=1" }, "unknown flag: --bogus")]
    [InlineData(new[] { "-x" }, "unknown shorthand flag: 'x' in -x")]
    [InlineData(new[] { "-Ax" }, "unknown shorthand flag: 'x' in -Ax")]
    [InlineData(new[] { "-n" }, "flag needs an argument: 'n' in -n")]
    [InlineData(new[] { "pods", "--output" }, "flag needs an argument: --output")]
    public void Bad_flags_are_named(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() => P(args));
        Assert.Equal(message, e.Message);
        Assert.Equal("test", e.HelpCommand);
    }

    [Fact]
    public void Bad_bool_and_int_values_are_named()
    {
        Assert.Contains("\"--wait\"", Assert.Throws<UsageException>(() => P("--wait=maybe").Bool("wait")).Message);
        Assert.Contains("\"--output\"", Assert.Throws<UsageException>(() => P("-o", "x").Int("output", 1)).Message);
    }
}
