using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Api.Models;

/// <summary>
/// The benchmark's cluster: 10 namespaces, N pods (all on node-1: the worst case for one agent),
/// M policies of four shapes (pod selector + ports, namespace+pod selector + named port,
/// ipBlock/except + egress with an endPort range, any peer on UDP). Pod i is app=a(i mod 500) in
/// ns-(i mod 10); policy j selects app=a(j mod 500) in ns-(j mod 10), so each pod is selected by
/// about M/500 policies and every peer set holds real pods.
/// </summary>
static class World
{
    public const int Namespaces = 10, Apps = 500;

    public static string Ns(int i) => $"ns-{i % Namespaces}";
    public static IPAddress PodIp(int i) => new([10, 244, (byte)(i / 250), (byte)(i % 250 + 2)]);

    public static Dictionary<string, string> NsLabels(int k) => new() { ["team"] = $"t{k % 3}" };

    public static Pod Pod(int i, string node = "node-1") => new()
    {
        Metadata = new ObjectMeta { Name = $"p{i}", Namespace = Ns(i), Labels = new() { ["app"] = $"a{i % Apps}", ["ver"] = $"v{i % 3}" } },
        Spec = new PodSpec
        {
            NodeName = node,
            Containers = [new Container { Name = "c", Image = "x", Ports = [new ContainerPort { Name = "http", Port = 8080 }] }],
        },
        Status = new PodStatus { Phase = "Running", PodIP = PodIp(i).ToString() },
    };

    public static NetworkPolicy Policy(int j)
    {
        var spec = (j % 4) switch
        {
            0 => new NetworkPolicySpec
            {
                PodSelector = Sel("app", $"a{j % Apps}"),
                Ingress = [new() { From = [new() { PodSelector = Sel("app", $"a{(j + 10) % Apps}") }], Ports = [Tcp(80), Tcp(8080)] }],
            },
            1 => new NetworkPolicySpec
            {
                PodSelector = Sel("app", $"a{j % Apps}"),
                Ingress = [new() { From = [new() { NamespaceSelector = Sel("team", $"t{j % 3}"), PodSelector = Sel("ver", $"v{j % 3}") }], Ports = [new() { Port = IntOrString.FromString("http") }] }],
            },
            2 => new NetworkPolicySpec
            {
                PodSelector = Sel("app", $"a{j % Apps}"),
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = [new() { From = [new() { IpBlock = new IPBlock { Cidr = "10.0.0.0/8", Except = [$"10.244.{j % 4}.0/24"] } }] }],
                Egress = [new() { To = [new() { PodSelector = Sel("app", $"a{(j + 20) % Apps}") }], Ports = [new() { Protocol = "TCP", Port = 5000, EndPort = 5100 }] }],
            },
            _ => new NetworkPolicySpec
            {
                PodSelector = Sel("app", $"a{j % Apps}"),
                Ingress = [new() { Ports = [new() { Protocol = "UDP", Port = 53 }] }],
            },
        };
        return new NetworkPolicy { Metadata = new ObjectMeta { Name = $"np{j}", Namespace = Ns(j) }, Spec = spec };
    }

    public static LabelSelectorSpec Sel(string k, string v) => new() { MatchLabels = new() { [k] = v } };
    private static NetworkPolicyPort Tcp(int p) => new() { Protocol = "TCP", Port = p };

    public static PodInfo Info(Pod p) => PolicyParser.Pod(p)!;
}
