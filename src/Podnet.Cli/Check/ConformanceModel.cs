using System.Text.Json.Nodes;

namespace Podnet.Cli.Check;

/// <summary>The standard NetworkPolicy conformance model of the upstream e2e suite: namespaces x, y
/// and z (label <c>ns=NAME</c>), pods a, b and c in each (label <c>pod=NAME</c>), every pod serving
/// TCP and UDP on ports 80 and 81 under the named ports <c>serve-80-tcp</c> … <c>serve-81-udp</c>.
/// With services, <c>s-NS-POD</c> is a ClusterIP Service in front of each pod, on the same ports.</summary>
public sealed record ConformanceModel
{
    public static readonly ConformanceModel Standard = new();

    public IReadOnlyList<string> Namespaces { get; init; } = ["x", "y", "z"];
    public IReadOnlyList<string> PodNames { get; init; } = ["a", "b", "c"];
    public IReadOnlyList<int> Ports { get; init; } = [80, 81];
    public IReadOnlyList<string> Protocols { get; init; } = ["TCP", "UDP"];

    /// <summary>Every pod as "ns/name", namespace-major: x/a x/b x/c y/a ….</summary>
    public IReadOnlyList<string> Pods => Namespaces.SelectMany(ns => PodNames.Select(p => $"{ns}/{p}")).ToList();

    /// <summary>Every (port, protocol) case, in table order: TCP/80, TCP/81, UDP/80, UDP/81.</summary>
    public IReadOnlyList<(int Port, string Protocol)> Cases =>
        Protocols.SelectMany(proto => Ports.Select(port => (port, proto))).ToList();

    public static string PortName(int port, string protocol) => $"serve-{port}-{protocol.ToLowerInvariant()}";

    public static string ServiceName(string ns, string pod) => $"s-{ns}-{pod}";

    public JsonObject NamespaceObject(string ns) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["ns"] = ns } },
    };

    /// <summary>One pod running the lab's agnhost netexec on every port and protocol of the model.</summary>
    public JsonObject PodObject(string ns, string pod)
    {
        var ports = new JsonArray();
        foreach (var (port, proto) in Cases)
            ports.Add(new JsonObject { ["name"] = PortName(port, proto), ["containerPort"] = port, ["protocol"] = proto });
        string List(string proto) => string.Join(',', Protocols.Contains(proto) ? Ports : []);
        var command = new JsonArray("agnhost", "netexec");
        if (Protocols.Contains("TCP")) command.Add($"--tcp-port={List("TCP")}");
        if (Protocols.Contains("UDP")) command.Add($"--udp-port={List("UDP")}");
        var container = new JsonObject
        {
            ["name"] = "cont",
            ["image"] = "registry.k8s.io/e2e-test-images/agnhost:2.47",
            ["command"] = command,
            ["ports"] = ports,
        };
        if (Protocols.Contains("TCP"))
            container["readinessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = Ports[0] }, ["periodSeconds"] = 1 };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = ns, ["labels"] = new JsonObject { ["pod"] = pod } },
            ["spec"] = new JsonObject { ["terminationGracePeriodSeconds"] = 0, ["containers"] = new JsonArray(container) },
        };
    }

    public JsonObject ServiceObject(string ns, string pod)
    {
        var ports = new JsonArray();
        foreach (var (port, proto) in Cases)
            ports.Add(new JsonObject { ["name"] = $"service-port-{proto.ToLowerInvariant()}-{port}", ["port"] = port, ["protocol"] = proto, ["targetPort"] = port });
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = ServiceName(ns, pod), ["namespace"] = ns },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["pod"] = pod }, ["ports"] = ports },
        };
    }
}
