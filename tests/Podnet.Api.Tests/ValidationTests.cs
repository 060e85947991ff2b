using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Selectors;
using Podnet.Api.Validation;

namespace Podnet.Api.Tests;

/// <summary>Table tests of the 422 rules: each bad object must produce an error naming its field.</summary>
public sealed class ValidationTests
{
    private const string Svc = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"coffee"},"spec":{"selector":{"app":"c"},"ports":PORTS}}""";
    private const string Np = """{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np"},"spec":{"podSelector":{},"ingress":[RULE]}}""";
    private const string Dep = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":SEL,"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c"}]}}}}""";

    public static TheoryData<string, string> Bad => new()
    {
        // metadata
        { """{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{"containers":[{"name":"c"}]}}""", "metadata.name: Required value" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c"}]}}""", "metadata.name: Invalid value: \"Bad_Name\"" },
        { """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}}""", "metadata.name: Invalid value: \"a.b\"" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"bad key!":"x"}},"spec":{"containers":[{"name":"c"}]}}""", "metadata.labels: Invalid value: \"bad key!\"" },
        // pods
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}""", "spec.containers: Required value" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}""", "spec.containers: Required value" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c"},{"name":"c"}]}}""", "spec.containers[1].name: Duplicate value: \"c\"" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":70000}]}]}}""", "spec.containers[0].ports[0].containerPort: Invalid value: 70000" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","readinessProbe":{"tcpSocket":{"port":"web"}}}]}}""", "spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: \"web\"" },
        { """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":"eighty"}]}]}}""", "spec.containers[0].ports[0].containerPort: Invalid value: \"eighty\": wrong type" },
        // services
        { Svc.Replace("PORTS", """[{"port":0}]"""), "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive" },
        { Svc.Replace("PORTS", """[{"port":65536}]"""), "spec.ports[0].port: Invalid value: 65536" },
        { Svc.Replace("PORTS", """[{"name":"a","port":80},{"name":"b","port":80}]"""), "spec.ports[1]: Duplicate value: {\"port\":80,\"protocol\":\"TCP\"}" },
        { Svc.Replace("PORTS", """[{"name":"a","port":80},{"name":"a","port":81}]"""), "spec.ports[1].name: Duplicate value: \"a\"" },
        { Svc.Replace("PORTS", """[{"port":80},{"port":81}]"""), "spec.ports[0].name: Required value: must be specified when there is more than one port" },
        { Svc.Replace("PORTS", """[{"port":80,"protocol":"HTTP"}]"""), "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"" },
        { Svc.Replace("PORTS", """[{"port":80,"targetPort":"Not_A_Name"}]"""), "spec.ports[0].targetPort: Invalid value: \"Not_A_Name\"" },
        { Svc.Replace("PORTS", """[{"port":80,"nodePort":30080}]"""), "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'" },
        { Svc.Replace("PORTS", "[]"), "spec.ports: Required value" },
        { Svc.Replace("PORTS", """[{"port":80}],"type":"Magic" """), "spec.type: Unsupported value: \"Magic\"" },
        { Svc.Replace("PORTS", """[{"port":80}],"type":"LoadBalancer","loadBalancerSourceRanges":["203.0.113.0/24","banana"]"""), "spec.loadBalancerSourceRanges[1]: Invalid value: \"banana\": must be a valid CIDR" },
        { Svc.Replace("PORTS", """[{"port":80}],"loadBalancerSourceRanges":["203.0.113.0/24"]"""), "spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'" },
        { Svc.Replace("PORTS", """[{"port":80}],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":0}}"""), "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0" },
        { Svc.Replace("PORTS", """[{"port":80}],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":86401}}"""), "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401" },
        { Svc.Replace("PORTS", """[{"port":80}],"sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}}"""), "spec.sessionAffinityConfig: Forbidden: may only be set when `sessionAffinity` is 'ClientIP'" },
        { """{"apiVersion":"v1","kind":"Service","metadata":{"name":"1coffee"},"spec":{"ports":[{"port":80}]}}""", "metadata.name: Invalid value: \"1coffee\"" },
        // network policies
        { Np.Replace("RULE", """{"from":[{"ipBlock":{"cidr":"10.0.0.0/33"}}]}"""), "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"10.0.0.0/33\"" },
        { Np.Replace("RULE", """{"from":[{"ipBlock":{"cidr":"banana"}}]}"""), "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"banana\"" },
        { Np.Replace("RULE", """{"from":[{"ipBlock":{"cidr":"10.0.0.0/16","except":["10.1.0.0/24"]}}]}"""), "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr` 10.0.0.0/16" },
        { Np.Replace("RULE", """{"from":[{"ipBlock":{"cidr":"10.0.0.0/16","except":["10.0.0.0/16"]}}]}"""), "spec.ingress[0].from[0].ipBlock.except[0]" },
        { Np.Replace("RULE", """{"ports":[{"port":0}]}"""), "spec.ingress[0].ports[0].port: Invalid value: 0" },
        { Np.Replace("RULE", """{"ports":[{"port":100,"endPort":90}]}"""), "spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`" },
        { Np.Replace("RULE", """{"ports":[{"port":"http","endPort":90}]}"""), "spec.ingress[0].ports[0].port: Required value" },
        { Np.Replace("RULE", """{"from":[{"podSelector":{"matchExpressions":[{"key":"app","operator":"Like","values":["a"]}]}}]}"""), "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator: Unsupported value: \"Like\"" },
        { Np.Replace("RULE", """{"from":[{"podSelector":{"matchExpressions":[{"key":"app","operator":"In"}]}}]}"""), "spec.ingress[0].from[0].podSelector.matchExpressions[0].values: Required value" },
        { Np.Replace("RULE", """{"from":[{"podSelector":{"matchExpressions":[{"key":"app","operator":"Exists","values":["x"]}]}}]}"""), "spec.ingress[0].from[0].podSelector.matchExpressions[0].values: Forbidden" },
        { Np.Replace("RULE", """{"from":[{"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}]}"""), "spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer" },
        // deployments
        { Dep.Replace("SEL", """{"matchLabels":{"app":"other"}}"""), "spec.template.metadata.labels: Invalid value: \"{app:d}\": `selector` does not match template `labels`" },
        { Dep.Replace("SEL", "{}"), "spec.selector: Required value" },
        { Dep.Replace("SEL", """{"matchLabels":{"app":"d"}},"replicas":-1"""), "spec.replicas: Invalid value: -1" },
        // ingress
        { """{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"tea","port":{"number":80}}}}]}}]}}""", "spec.rules[0].http.paths[0].pathType: Required value" },
        { """{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{"rules":[{"http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"tea"}}}]}}]}}""", "spec.rules[0].http.paths[0].backend.service.port: Required value" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void BadObjectsNameTheField(string json, string expected)
    {
        var obj = KubeJson.Parse(json);
        var r = ApiResources.Resolve(obj.Kind(), obj.ApiVersion());
        var errors = ObjectValidator.Validate(r, obj);
        var all = string.Join(" | ", errors);
        Assert.Contains(expected, all);
    }

    public static TheoryData<string> Good => new()
    {
        Svc.Replace("PORTS", """[{"name":"http","port":80,"targetPort":"http"},{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]"""),
        Svc.Replace("PORTS", """[{"port":80,"nodePort":30080}],"type":"NodePort","externalTrafficPolicy":"Local" """),
        Svc.Replace("PORTS", """[{"port":80}],"type":"LoadBalancer","loadBalancerSourceRanges":["203.0.113.0/24","10.0.0.1/8"],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}}"""),
        Np.Replace("RULE", """{"from":[{"ipBlock":{"cidr":"10.0.0.1/8","except":["10.1.0.0/16"]}},{"namespaceSelector":{"matchLabels":{"team":"a"}},"podSelector":{"matchExpressions":[{"key":"app","operator":"NotIn","values":["x"]}]}}],"ports":[{"port":8000,"endPort":9000},{"port":"http","protocol":"UDP"}]}"""),
        Dep.Replace("SEL", """{"matchExpressions":[{"key":"app","operator":"In","values":["d","e"]}]}"""),
        """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","ports":[{"name":"http","containerPort":80}],"readinessProbe":{"httpGet":{"path":"/","port":"http"}}},{"name":"b"}]}}""",
    };

    [Theory]
    [MemberData(nameof(Good))]
    public void GoodObjectsPass(string json)
    {
        var obj = KubeJson.Parse(json);
        Assert.Empty(ObjectValidator.Validate(ApiResources.Resolve(obj.Kind(), obj.ApiVersion()), obj));
    }

    [Theory]
    [InlineData("app=web", "app=web", true)]
    [InlineData("app==web", "app=db", false)]
    [InlineData("app!=web", "", true)]
    [InlineData("app in (a, b)", "app=b", true)]
    [InlineData("app notin (a,b)", "app=c", true)]
    [InlineData("app notin (a,b)", "app=a", false)]
    [InlineData("app", "app=x", true)]
    [InlineData("!app", "app=x", false)]
    [InlineData("a=1,b in (2)", "a=1,b=2", true)]
    [InlineData("example.com/tier=fe", "example.com/tier=fe", true)]
    [InlineData("", "x=y", true)]
    public void LabelSelectorTable(string selector, string labels, bool matches)
    {
        var map = labels.Length == 0 ? new Dictionary<string, string>() :
            labels.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(map));
    }

    [Theory]
    [InlineData("app in web")]
    [InlineData("app=web,,x")]
    [InlineData("bad key=1")]
    [InlineData("app=in valid")]
    public void BadLabelSelectorsAreRejected(string selector) =>
        Assert.Throws<FormatException>(() => LabelSelector.Parse(selector));
}
