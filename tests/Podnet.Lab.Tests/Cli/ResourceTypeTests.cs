using Podnet.Cli.Args;
using Podnet.Cli.Resources;

namespace Podnet.Lab.Tests.Cli;

public class ResourceTypeTests
{
    [Theory]
    [InlineData("po", "Pod")]
    [InlineData("Pods", "Pod")]
    [InlineData("pods.v1", "Pod")]
    [InlineData("svc", "Service")]
    [InlineData("deploy", "Deployment")]
    [InlineData("deployments.apps", "Deployment")]
    [InlineData("deployment.v1.apps", "Deployment")]
    [InlineData("no", "Node")]
    [InlineData("ns", "Namespace")]
    [InlineData("netpol", "NetworkPolicy")]
    [InlineData("networkpolicies.networking.k8s.io", "NetworkPolicy")]
    [InlineData("ing", "Ingress")]
    [InlineData("ep", "EndpointSlice")]
    [InlineData("endpointslices", "EndpointSlice")]
    public void Aliases_resolve(string name, string kind) => Assert.Equal(kind, ResourceTypes.Resolve(name).Kind);

    [Theory]
    [InlineData("deployments.extensions")]
    [InlineData("pod.apps")]
    [InlineData("potato")]
    public void Unknown_types_are_named(string name) =>
        Assert.Equal($"the server doesn't have a resource type \"{name}\"", Assert.Throws<UsageException>(() => ResourceTypes.Resolve(name)).Message);

    [Fact]
    public void Lists_expand_all_and_drop_duplicates()
    {
        Assert.Equal(["Pod", "Service", "Deployment"], ResourceTypes.ResolveList("all,po").Select(t => t.Kind));
        Assert.Throws<UsageException>(() => ResourceTypes.ResolveList("po,,svc"));
    }

    [Fact]
    public void Qualified_names_match_kubectl_output()
    {
        Assert.Equal("deployment.apps", ResourceTypes.Deployments.Qualified);
        Assert.Equal("pod", ResourceTypes.Pods.Qualified);
        Assert.Equal("networkpolicies.networking.k8s.io", ResourceTypes.NetworkPolicies.QualifiedPlural);
    }
}
