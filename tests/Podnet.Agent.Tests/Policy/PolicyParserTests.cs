using System.Net;
using Podnet.Agent.Policy.Compile;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Sync;
using Podnet.Api.Json;
using Podnet.Api.Manifests;

namespace Podnet.Agent.Tests.Policy;

public sealed class PolicyParserTests
{
    private const string Head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: x }\n";

    [Theory]
    [InlineData("spec: { podSelector: {} }", true, false)]
    [InlineData("spec: { podSelector: {}, egress: [ {} ] }", true, true)]
    [InlineData("spec: { podSelector: {}, policyTypes: [ Egress ] }", false, true)]
    [InlineData("spec: { podSelector: {}, policyTypes: [ Ingress ], egress: [ {} ] }", true, false)]
    [InlineData("spec: { podSelector: {}, policyTypes: [ Ingress, Egress ] }", true, true)]
    [InlineData("spec: { podSelector: {}, policyTypes: [] }", true, false)]
    [InlineData("spec: { podSelector: {}, policyTypes: [], egress: [ {} ] }", true, true)]
    public void PolicyTypesDefaultToIngressPlusEgressWhenEgressRulesExist(string spec, bool ingress, bool egress)
    {
        var p = Enforcer.Parse(Head + spec);
        Assert.Equal((ingress, egress), (p.Ingress, p.Egress));
        // An unreadable policy of the same shape is enforced as deny-all in the same directions.
        var bad = Head + spec[..^1] + ", ingress: [ { from: [ { ipBlock: { cidr: not-a-cidr } } ] } ] }";
        Assert.Throws<PolicyException>(() => Enforcer.Parse(bad));
        var deny = PolicyAgent.DenyAll(ManifestParser.ParseObjects(bad).Single())!;
        Assert.Equal((ingress, egress), (deny.Ingress, deny.Egress));
        Assert.Empty(deny.IngressRules);
        Assert.Empty(deny.EgressRules);
    }

    [Fact]
    public void RulesAreNormalized()
    {
        var p = Enforcer.Parse(Head + """
            spec:
              podSelector: { matchLabels: { app: db } }
              ingress:
              - {}
              - from: []
                ports: [ { port: 80 }, { protocol: UDP, port: dns }, { protocol: SCTP }, { port: 1000, endPort: 2000 } ]
              - from: [ { ipBlock: { cidr: 10.1.2.3/16, except: [ 10.1.5.0/24 ] } }, { namespaceSelector: {} } ]
            """);
        Assert.Equal(3, p.IngressRules.Count);
        Assert.Null(p.IngressRules[0].Peers);
        Assert.Null(p.IngressRules[0].Ports);
        Assert.Null(p.IngressRules[1].Peers); // an empty from list allows every source
        Assert.Equal(["tcp/80", "udp/dns", "sctp/*", "tcp/1000-2000"], p.IngressRules[1].Ports!.Select(x => x.ToString()));
        var peers = p.IngressRules[2].Peers!;
        Assert.Equal(IPNetwork.Parse("10.1.0.0/16"), peers[0].Block!.Cidr); // host bits accepted, as Kubernetes does
        Assert.Null(peers[1].Pods);
        Assert.NotNull(peers[1].Namespaces);
    }

    [Theory]
    [InlineData("ingress: [ { ports: [ { protocol: ICMP, port: 1 } ] } ]", "spec.ingress[0].ports[0].protocol")]
    [InlineData("ingress: [ { ports: [ { port: 0 } ] } ]", "spec.ingress[0].ports[0].port")]
    [InlineData("egress: [ { ports: [ { port: 90, endPort: 80 } ] } ]", "spec.egress[0].ports[0].endPort")]
    [InlineData("egress: [ { ports: [ { port: web, endPort: 80 } ] } ]", "spec.egress[0].ports[0].endPort")]
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 11.0.0.0/24 ] } } ] } ]", "spec.ingress[0].from[0].ipBlock.except[0]")]
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 10.0.0.0/33 } } ] } ]", "spec.ingress[0].from[0].ipBlock.cidr")]
    [InlineData("ingress: [ { from: [ { podSelector: { matchExpressions: [ { key: a, operator: Like } ] } } ] } ]", "spec.ingress[0].from[0].podSelector")]
    [InlineData("ingress: [ { from: [ {} ] } ]", "spec.ingress[0].from[0]")]
    [InlineData("policyTypes: [ Sideways ]", "spec.policyTypes[0]")]
    // Kubernetes wants a dotted quad; .NET's parser also takes "10" (0.0.0.10), "10.0" and hex.
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 10/8 } } ] } ]", "spec.ingress[0].from[0].ipBlock.cidr")]
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 10.1/16 } } ] } ]", "spec.ingress[0].from[0].ipBlock.cidr")]
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 0x0a.0.0.0/8 } } ] } ]", "spec.ingress[0].from[0].ipBlock.cidr")]
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: '10.0.0.0/ 8' } } ] } ]", "spec.ingress[0].from[0].ipBlock.cidr")]
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10/16 ] } } ] } ]", "spec.ingress[0].from[0].ipBlock.except[0]")]
    // except must be a strict subset (Kubernetes validation), equal is refused too.
    [InlineData("ingress: [ { from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.9.0.0/8 ] } } ] } ]", "spec.ingress[0].from[0].ipBlock.except[0]")]
    [InlineData("egress: [ { to: [ { ipBlock: { cidr: 0.0.0.0/0, except: [ 0.0.0.0/0 ] } } ] } ]", "spec.egress[0].to[0].ipBlock.except[0]")]
    public void BadPoliciesAreRefusedNamingTheField(string rest, string field)
    {
        var e = Assert.Throws<PolicyException>(() => Enforcer.Parse(Head + "spec:\n  podSelector: {}\n  " + rest));
        Assert.Contains("networkpolicy x/p", e.Message);
        Assert.Contains(field + ":", e.Message);
    }

    [Fact]
    public void LeadingZerosAreDecimalAsInKubernetes()
    {
        // Go's sloppy parser (what the API server used) reads 010 as ten; .NET's reads it as octal (8).
        var p = Enforcer.Parse(Head + "spec:\n  podSelector: {}\n  ingress: [ { from: [ { ipBlock: { cidr: 010.001.0.0/16, except: [ 010.001.009.000/24 ] } } ] } ]");
        Assert.Equal(IPNetwork.Parse("10.1.0.0/16"), p.IngressRules[0].Peers![0].Block!.Cidr);
        Assert.Equal([IPNetwork.Parse("10.1.9.0/24")], p.IngressRules[0].Peers![0].Block!.Except);
    }

    [Fact]
    public void NamedPortsComeFromContainersAndSidecarsNotPlainInitContainers()
    {
        // Kubernetes resolves named ports on containers and on sidecars (init containers with
        // restartPolicy Always; kubernetes#125285); a plain init container has exited by then.
        var pod = KubeJson.As<Podnet.Api.Models.Pod>(ManifestParser.ParseObjects("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p, namespace: x }
            spec:
              nodeName: node-1
              containers: [ { name: app, ports: [ { name: http, containerPort: 8080 } ] } ]
              initContainers:
              - { name: proxy, restartPolicy: Always, ports: [ { name: https, containerPort: 9443 } ] }
              - { name: setup, ports: [ { name: setup, containerPort: 7000 } ] }
            status: { podIP: 10.244.1.2 }
            """).Single());
        Assert.Equal(["http=8080", "https=9443"], PolicyParser.Pod(pod)!.Ports.Select(x => $"{x.Name}={x.Port}"));
        // The reference evaluator reads the same ports.
        Assert.Equal(["http=8080", "https=9443"], Podnet.Api.Policy.PolicyPod.From(pod).Ports.Select(x => $"{x.Name}={x.Port}"));
    }

    [Fact]
    public void Ipv6BlocksNeverMatchTheIpv4DataPath()
    {
        var p = Enforcer.Parse(Head + "spec:\n  podSelector: {}\n  ingress: [ { from: [ { ipBlock: { cidr: 'fd00::/8' } } ] } ]");
        Assert.Empty(p.IngressRules[0].Peers!); // a peer list that matches nothing, not "every peer"
    }

    [Fact]
    public void IpBlockRangesSubtractExceptionsAndMerge()
    {
        var r = Ipv4Ranges.Union([
            new IpBlockInfo(IPNetwork.Parse("10.0.0.0/24"), [IPNetwork.Parse("10.0.0.16/28"), IPNetwork.Parse("10.0.0.128/25")]),
            new IpBlockInfo(IPNetwork.Parse("10.0.0.0/27"), []), // overlaps and fills part of the first hole
        ]);
        ulong Ip(string s) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(s).GetAddressBytes());
        Assert.Equal([(Ip("10.0.0.0"), Ip("10.0.0.128"))], r);
        var els = Ipv4Ranges.Elements(Ipv4Ranges.Union([new IpBlockInfo(IPNetwork.Parse("0.0.0.0/0"), [IPNetwork.Parse("10.0.0.0/8")])]));
        Assert.Equal(["00000000", "0A000000/end", "0B000000"], els.Select(e => e.KeyHex + (e.IntervalEnd ? "/end" : "")));
    }
}
