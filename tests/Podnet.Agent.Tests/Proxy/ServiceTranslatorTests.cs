using System.Net;
using Podnet.Agent.Proxy;
using Podnet.Api.Models;

namespace Podnet.Agent.Tests.Proxy;

public sealed class ServiceTranslatorTests
{
    private static Service Svc(string type = "ClusterIP", string? clusterIp = "10.96.0.10", params ServicePort[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "shop" },
        Spec = new ServiceSpec { Type = type, ClusterIP = clusterIp, Ports = [.. ports] },
    };

    private static EndpointSlice Slice(string svc, string? portName, int port, string protocol = "TCP", params Endpoint[] eps) => new()
    {
        Metadata = new ObjectMeta { Name = svc + "-abc", Namespace = "shop", Labels = new() { [EndpointSlice.ServiceNameLabel] = svc } },
        Ports = [new EndpointPort { Name = portName, Port = port, Protocol = protocol }],
        Endpoints = [.. eps],
    };

    private static Endpoint Ep(string ip, bool? ready = true, bool? terminating = null, string node = "node-1") => new()
    {
        Addresses = [ip], NodeName = node, Conditions = new EndpointConditions { Ready = ready, Terminating = terminating },
    };

    [Fact]
    public void NamedPortsTakeTheirNumbersFromTheSlicesAndMatchByNameAndProtocol()
    {
        var svc = Svc(ports: [new ServicePort { Name = "http", Port = 80, TargetPort = IntOrString.FromString("web") },
                              new ServicePort { Name = "dns", Port = 53, Protocol = "UDP" }]);
        var slices = new[]
        {
            Slice("web", "http", 8080, "TCP", Ep("10.244.1.5"), Ep("10.244.2.5", node: "node-2")),
            Slice("web", "dns", 5353, "UDP", Ep("10.244.1.5")),
            Slice("other", "http", 9999, "TCP", Ep("10.244.3.3")),
        };
        var r = ServiceTranslator.Translate(svc, slices, "node-1");
        Assert.Equal(2, r.Count);
        var http = r.Single(x => x.Info.Name.Port == "http");
        Assert.Equal("shop/web/tcp/http", http.Info.Name.ToString());
        Assert.Equal(IPAddress.Parse("10.96.0.10"), http.Info.ClusterIP);
        Assert.Equal(["10.244.1.5/8080", "10.244.2.5/8080"], http.Endpoints.Select(e => e.ToString()).Order());
        Assert.True(http.Endpoints.Single(e => e.Address.Equals(IPAddress.Parse("10.244.1.5"))).IsLocal);
        var dns = r.Single(x => x.Info.Name.Port == "dns");
        Assert.Equal(ProxyProtocols.Udp, dns.Info.Name.Protocol);
        Assert.Equal(["10.244.1.5/5353"], dns.Endpoints.Select(e => e.ToString()));
    }

    [Fact]
    public void NodePortLoadBalancerPoliciesAndAffinity()
    {
        var svc = Svc("LoadBalancer", "10.96.0.11", new ServicePort { Port = 443, NodePort = 30443 }) with { };
        svc = svc with
        {
            Spec = svc.Spec with { ExternalIPs = ["203.0.113.50"], ExternalTrafficPolicy = "Local", SessionAffinity = "ClientIP" },
            Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = "203.0.113.60" }] } },
        };
        var (info, eps) = Assert.Single(ServiceTranslator.Translate(svc, [Slice("web", null, 8443, "TCP", Ep("10.244.1.9", ready: false, terminating: true))], "node-1"));
        Assert.Equal("p443", info.Name.Port);
        Assert.Equal((ushort)30443, info.NodePort);
        Assert.Equal([IPAddress.Parse("203.0.113.50"), IPAddress.Parse("203.0.113.60")], info.ExternalAddresses);
        Assert.True(info.ExternalPolicyLocal);
        Assert.False(info.InternalPolicyLocal);
        Assert.Equal(TimeSpan.FromHours(3), info.AffinityTimeout);
        var ep = Assert.Single(eps);
        Assert.False(ep.Ready);
        Assert.True(ep.Terminating);
        Assert.True(ep.Serving); // unset serving counts as serving (as kube-proxy reads it)
    }

    [Fact]
    public void HeadlessAndExternalNameServicesGetNoRules()
    {
        Assert.Empty(ServiceTranslator.Translate(Svc(clusterIp: "None", ports: new ServicePort { Port = 80 }), [], "n"));
        Assert.Empty(ServiceTranslator.Translate(Svc("ExternalName", null, new ServicePort { Port = 80 }), [], "n"));
        // A ClusterIP service ignores nodePort fields.
        var (info, _) = Assert.Single(ServiceTranslator.Translate(Svc(ports: new ServicePort { Port = 80, NodePort = 30080 }), [], "n"));
        Assert.Null(info.NodePort);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("ClientIP", null, 10800)]
    [InlineData("ClientIP", 60, 60)]
    [InlineData("None", 60, null)]
    public void AffinityTimeoutComesFromTheSpecWithKubernetesDefault(string? affinity, int? seconds, int? expected)
    {
        var svc = Svc(ports: [new ServicePort { Port = 80 }]);
        svc = svc with
        {
            Spec = svc.Spec with
            {
                SessionAffinity = affinity,
                SessionAffinityConfig = seconds is null ? null : new SessionAffinityConfig { ClientIP = new ClientIPConfig { TimeoutSeconds = seconds } },
            },
        };
        var info = ServiceTranslator.Translate(svc, [], "node-1").Single().Info;
        Assert.Equal(expected is null ? null : TimeSpan.FromSeconds(expected.Value), info.AffinityTimeout);
    }

    [Fact]
    public void SourceRangesApplyToLoadBalancersOnlyAndAreMasked()
    {
        var lb = Svc("LoadBalancer", ports: [new ServicePort { Port = 80, NodePort = 30080 }]);
        lb = lb with
        {
            Spec = lb.Spec with { LoadBalancerSourceRanges = ["203.0.113.7/24", " 198.51.100.0/25 ", "2001:db8::/32"] },
            Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = "192.0.2.10" }] } },
        };
        var info = ServiceTranslator.Translate(lb, [], "node-1").Single().Info;
        Assert.Equal([IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("198.51.100.0/25")], info.LoadBalancerSourceRanges);
        Assert.Equal([IPAddress.Parse("192.0.2.10")], info.LoadBalancerIPs);

        var np = lb with { Spec = lb.Spec with { Type = "NodePort" } };
        Assert.Empty(ServiceTranslator.Translate(np, [], "node-1").Single().Info.LoadBalancerSourceRanges!);
    }
}
