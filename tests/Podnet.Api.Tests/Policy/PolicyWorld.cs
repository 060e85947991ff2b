using System.Net;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Models;
using Podnet.Api.Policy;

namespace Podnet.Api.Tests.Policy;

/// <summary>The upstream conformance model as plain data: namespaces x, y, z (labels ns=NAME and
/// kubernetes.io/metadata.name=NAME), pods a, b, c in each (label pod=NAME) serving TCP and UDP on
/// 80 and 81 under the names serve-80-tcp etc., x/* on node-1, y/* on node-2, z/* on node-3.</summary>
public sealed class PolicyWorld
{
    public static readonly string[] Ns = ["x", "y", "z"];
    public static readonly string[] PodNames = ["a", "b", "c"];

    public List<PolicyNamespace> Namespaces { get; } = Ns.Select(n => new PolicyNamespace(n,
        new Dictionary<string, string> { ["ns"] = n, ["kubernetes.io/metadata.name"] = n })).ToList();

    public List<PolicyPod> Pods { get; } = [];

    public PolicyWorld()
    {
        for (int n = 0; n < Ns.Length; n++)
            for (int p = 0; p < PodNames.Length; p++)
                Pods.Add(new PolicyPod(Ns[n], PodNames[p], new Dictionary<string, string> { ["pod"] = PodNames[p] },
                    IPAddress.Parse($"10.244.{n + 1}.{10 + p}"), StandardPorts, $"node-{n + 1}"));
    }

    public static readonly IReadOnlyList<PodPort> StandardPorts =
        [new("serve-80-tcp", 80, "TCP"), new("serve-80-udp", 80, "UDP"), new("serve-81-tcp", 81, "TCP"), new("serve-81-udp", 81, "UDP")];

    public PolicyPod Pod(string key) => Pods.Single(p => p.Key == key);

    public PolicyWorld With(PolicyPod changed)
    {
        var w = new PolicyWorld();
        w.Pods.Clear();
        w.Pods.AddRange(Pods.Select(p => p.Key == changed.Key ? changed : p));
        return w;
    }

    public static List<NetworkPolicy> Parse(string yaml) =>
        ManifestParser.ParseObjects(yaml, "test").Select(o => KubeJson.As<NetworkPolicy>(o)).ToList();

    public PolicyEvaluator Evaluator(string yaml) => new(Namespaces, Parse(yaml));

    public bool Allowed(string yaml, string from, string to, int port, string proto) =>
        Evaluator(yaml).Allowed(new PodEndpoint(Pod(from)), new PodEndpoint(Pod(to)), port, proto);

    /// <summary>The 9×9 table for one port/protocol: one string per source (x/a … z/c), one
    /// character per destination in the same order, '.' reachable and 'X' blocked.</summary>
    public string[] Grid(string yaml, int port, string proto)
    {
        var ev = Evaluator(yaml);
        return Pods.Select(src => new string(Pods.Select(dst =>
            ev.Allowed(new PodEndpoint(src), new PodEndpoint(dst), port, proto) ? '.' : 'X').ToArray())).ToArray();
    }
}
