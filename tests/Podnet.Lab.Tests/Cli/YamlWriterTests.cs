using System.Text.Json.Nodes;
using Podnet.Cli.Output;

namespace Podnet.Lab.Tests.Cli;

public class YamlWriterTests
{
    [Fact]
    public void Writes_sorted_keys_and_unindented_sequences_like_kubectl()
    {
        var o = JsonNode.Parse("""
            {"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","labels":{"app":"web"}},
             "spec":{"containers":[{"name":"c","args":["netexec","--http-port=8080"],"ports":[{"containerPort":8080}]}],"volumes":[],"hostNetwork":false},
             "status":{}}
            """);
        Assert.Equal("""
            apiVersion: v1
            kind: Pod
            metadata:
              labels:
                app: web
              name: p
            spec:
              containers:
              - args:
                - netexec
                - --http-port=8080
                name: c
                ports:
                - containerPort: 8080
              hostNetwork: false
              volumes: []
            status: {}

            """.Replace("\r", ""), YamlWriter.Write(o));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("10.244.1.5", "10.244.1.5")]
    [InlineData("app=web", "app=web")]
    [InlineData("", "\"\"")]
    [InlineData("80", "\"80\"")]
    [InlineData("1.5", "\"1.5\"")]
    [InlineData("true", "\"true\"")]
    [InlineData("no", "\"no\"")]
    [InlineData("null", "\"null\"")]
    [InlineData("~", "\"~\"")]
    [InlineData("2026-01-10T12:00:00Z", "\"2026-01-10T12:00:00Z\"")]
    [InlineData("a: b", "\"a: b\"")]
    [InlineData("- x", "\"- x\"")]
    [InlineData("*", "\"*\"")]
    [InlineData("-", "\"-\"")]
    [InlineData("--flag=x", "--flag=x")]
    [InlineData("-5", "\"-5\"")]
    [InlineData("line1\nline2", "\"line1\\nline2\"")]
    [InlineData("say \"hi\"", "say \"hi\"")]
    [InlineData("{json}", "\"{json}\"")]
    [InlineData(" lead", "\" lead\"")]
    public void Quotes_only_when_plain_would_change_meaning(string s, string expected) => Assert.Equal(expected, YamlWriter.Scalar(s));

    [Fact]
    public void Nested_sequences_and_scalars()
    {
        var o = JsonNode.Parse("""{"a":[[1,2],[]],"b":null,"c":1.5,"d":{"x y":"z"}}""");
        Assert.Equal("a:\n- - 1\n  - 2\n- []\nb: null\nc: 1.5\nd:\n  x y: z\n", YamlWriter.Write(o));
    }
}
