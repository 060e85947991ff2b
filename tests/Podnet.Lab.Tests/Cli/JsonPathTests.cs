using System.Text.Json.Nodes;
using Podnet.Cli.Args;
using Podnet.Cli.Output;

namespace Podnet.Lab.Tests.Cli;

public class JsonPathTests
{
    private static readonly JsonNode Pods = JsonNode.Parse("""
        {"kind":"List","items":[
          {"metadata":{"name":"a","labels":{"app.kubernetes.io/name":"web"}},"status":{"podIP":"10.244.1.2"},"spec":{"containers":[{"name":"c1"},{"name":"c2"}]}},
          {"metadata":{"name":"b"},"status":{"podIP":"10.244.2.2"},"spec":{"containers":[{"name":"d"}]}}]}
        """)!;

    [Theory]
    [InlineData("{.kind}", "List")]
    [InlineData("{.items[0].status.podIP}", "10.244.1.2")]
    [InlineData("{.items[-1].metadata.name}", "b")]
    [InlineData("{.items[*].metadata.name}", "a b")]
    [InlineData("ip={.items[1].status.podIP};", "ip=10.244.2.2;")]
    [InlineData("{.items[0].metadata.labels['app.kubernetes.io/name']}", "web")]
    [InlineData("{range .items[*]}{.metadata.name}:{.spec.containers[*].name}{\"\\n\"}{end}", "a:c1 c2\nb:d\n")]
    [InlineData("{.items[5].metadata.name}", "")]
    [InlineData("{.nothing.here}", "")]
    [InlineData("{.items[0].spec.containers[0]}", "{\"name\":\"c1\"}")]
    [InlineData("{$.kind}", "List")]
    public void Renders(string template, string expected) => Assert.Equal(expected, JsonPath.Render(template, Pods));

    [Theory]
    [InlineData("{.kind")]
    [InlineData("{range .items[*]}{.x}")]
    [InlineData("{end}")]
    [InlineData("{.items[?(@.x)]}")]
    [InlineData("{kind}")]
    public void Bad_templates_are_usage_errors(string template) =>
        Assert.Contains("jsonpath", Assert.Throws<UsageException>(() => JsonPath.Render(template, Pods)).Message);
}
