using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Lab.Tests.Lab;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Proxy;

/// <summary>
/// One 3-node lab for the proxy scenarios. Pods are pinned: web-1, churn-a, udp-a on node-1;
/// web-2, churn-b, udp-b on node-2; the client on node-3 (no web endpoint there). Every pod runs
/// agnhost netexec (HTTP 8080, UDP 8081). Each destructive test has its own pods and Service.
/// </summary>
public sealed class ProxyLabFixture : IAsyncLifetime
{
    public TestLab Lab { get; } = new();
    public Dictionary<string, JsonObject> Pods { get; private set; } = [];
    public static readonly IPAddress LoadBalancerIp = IPAddress.Parse("192.0.2.10"), ExternalIp = IPAddress.Parse("192.0.2.20");
    public const int NodePort = 30080, LocalNodePort = 30081, HealthCheckPort = 30082, LbNodePort = 30083;

    private static JsonObject Pod(string name, int node, string labelKey, string labelValue) => (JsonObject)JsonNode.Parse($$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"default","labels":{"{{{labelKey}}}":"{{{labelValue}}}"}},
         "spec":{"nodeName":"node-{{{node}}}","containers":[{"name":"c","image":"registry.k8s.io/e2e-test-images/agnhost:2.47",
           "command":["agnhost","netexec","--http-port=8080","--udp-port=8081"],
           "ports":[{"name":"http","containerPort":8080},{"name":"udp","containerPort":8081,"protocol":"UDP"}],
           "readinessProbe":{"tcpSocket":{"port":8080},"periodSeconds":1}}]}}
        """)!;

    private static JsonObject Service(string name, string selector, string spec) => (JsonObject)JsonNode.Parse($$$"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"default"},
         "spec":{"selector":{{{selector}}},{{{spec}}}}}
        """)!;

    private const string Http = """ "ports":[{"name":"http","port":80,"targetPort":8080}] """;

    public async Task InitializeAsync()
    {
        await Lab.UpAsync(3);
        foreach (var p in new[]
        {
            Pod("web-1", 1, "app", "web"), Pod("web-2", 2, "app", "web"), Pod("client", 3, "role", "client"),
            Pod("churn-a", 1, "app", "churn"), Pod("churn-b", 2, "app", "churn"),
            Pod("udp-a", 1, "app", "udp"), Pod("udp-b", 2, "app", "udp"),
        })
            await Lab.Api.CreateAsync(p);
        const string web = """{"app":"web"}""";
        foreach (var s in new[]
        {
            Service("web", web, Http),
            Service("web-sticky", web, Http + """, "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}} """),
            Service("web-np", web, $$""" "type":"NodePort","ports":[{"port":80,"targetPort":8080,"nodePort":{{NodePort}}}] """),
            Service("web-local", web, $$""" "type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":{{HealthCheckPort}},"ports":[{"port":80,"targetPort":8080,"nodePort":{{LocalNodePort}}}] """),
            Service("web-lb", web, $$""" "type":"LoadBalancer","loadBalancerSourceRanges":["203.0.113.0/28"],"externalIPs":["{{ExternalIp}}"],"ports":[{"port":80,"targetPort":8080,"nodePort":{{LbNodePort}}}] """),
            Service("self", """{"role":"client"}""", Http),
            Service("empty", """{"app":"nobody"}""", Http),
            Service("churn", """{"app":"churn"}""", Http),
            Service("udp", """{"app":"udp"}""", """ "ports":[{"name":"dns","port":53,"protocol":"UDP","targetPort":8081}] """),
        })
            await Lab.Api.CreateAsync(s);
        // No load-balancer controller in the lab: the test plays it and publishes the ingress address.
        var lb = await Lab.Api.GetAsync(ApiResources.Services, "default", "web-lb");
        lb["status"] = JsonNode.Parse($$$"""{"loadBalancer":{"ingress":[{"ip":"{{{LoadBalancerIp}}}"}]}}""");
        await Lab.Api.UpdateStatusAsync(lb);
        Pods = (await Lab.WaitForReadyPodsAsync(7, TimeSpan.FromSeconds(90))).ToDictionary(p => p.Name()!);
    }

    public async Task DisposeAsync() => await Lab.DisposeAsync();

    public string NetnsOf(string pod) => Lab.Names.PodNetns(Pods[pod].Uid()!);

    public async Task<IPAddress> ClusterIpAsync(string service) =>
        IPAddress.Parse((await Lab.Api.GetAsync(ApiResources.Services, "default", service)).AtPath("spec.clusterIP")!);

    /// <summary>One HTTP GET with curl in a namespace (optionally from a given source address).</summary>
    public static ShResult Curl(string netns, string url, double maxTime = 2, string? from = null)
    {
        List<string> argv = ["curl", "-sS", "--max-time", maxTime.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (from is not null) argv.AddRange(["--interface", from]);
        argv.Add(url);
        return Sh.InNetns(netns, argv, TimeSpan.FromSeconds(maxTime + 5));
    }

    /// <summary>Retries a GET until it succeeds (the proxies sync asynchronously); bounded.</summary>
    public async Task<string> FirstAnswerAsync(string netns, string url, TimeSpan within, string? from = null)
    {
        var deadline = DateTime.UtcNow + within;
        ShResult r;
        while (!(r = Curl(netns, url, 1, from)).Ok && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(r.Ok, $"{netns} → {url}: {r.Stderr.Trim()}\n{Lab.Logs()}");
        return r.Stdout.Trim();
    }
}

[CollectionDefinition("proxy-lab")]
public sealed class ProxyLabCollection : ICollectionFixture<ProxyLabFixture>;
