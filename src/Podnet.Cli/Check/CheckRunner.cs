using System.Diagnostics;
using System.Net;
using Podnet.Api.Client;
using Podnet.Api.Models;
using Podnet.Api.Policy;
using Podnet.Api.Resources;

namespace Podnet.Cli.Check;

/// <summary>One check of a running model: the expected truth table from the reference evaluator
/// (over the live namespaces, pods and policies), the observed one from real probes, and a few
/// seconds of re-probing for cells that differ, since enforcement catches up asynchronously.</summary>
public sealed class CheckRunner(ApiClient api, string lab, ConformanceModel model)
{
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How long differing cells are re-probed before they count as differences.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(5);
    public int Parallelism { get; init; } = 18;
    /// <summary>Probe each pod through its Service's ClusterIP (s-NS-POD) instead of its pod IP.</summary>
    public bool ViaService { get; init; }
    public Action<string> Progress { get; init; } = _ => { };

    public async Task<CheckResult> RunAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var (evaluator, endpoints, addresses) = await ReadStateAsync(ct);
        var cells = (from c in model.Cases from src in model.Pods from dst in model.Pods select new Cell(src, dst, c.Port, c.Protocol)).ToList();
        var expected = cells.ToDictionary(c => c, c => evaluator.Evaluate(endpoints[c.From], endpoints[c.To], c.Port, c.Protocol));
        var probes = cells.Select(c => new Probe(c, addresses[c.To])).ToDictionary(p => p.Cell);

        var prober = new Prober(lab, ProbeTimeout, Parallelism);
        Progress($"probing {cells.Count} cells ({model.Pods.Count} pods × {model.Pods.Count} × {model.Cases.Count} port/protocol){(ViaService ? " through the Services' ClusterIPs" : "")}");
        var reachable = await prober.ReachableAsync(probes.Values.ToList(), ct);
        var observed = cells.ToDictionary(c => c, reachable.Contains);
        int rounds = 1, lastCount = -1;
        var deadline = DateTime.UtcNow + RetryFor;
        while (true)
        {
            var differ = cells.Where(c => observed[c] != expected[c].Allowed).ToList();
            if (differ.Count == 0 || DateTime.UtcNow >= deadline) break;
            if (differ.Count != lastCount) Progress($"re-probing {differ.Count} cell(s) that differ from the expected table (for up to {RetryFor.TotalSeconds:0.#} s)");
            lastCount = differ.Count;
            await Task.Delay(250, ct);
            var again = await prober.ReachableAsync(differ.Select(c => probes[c]).ToList(), ct);
            foreach (var c in differ) observed[c] = again.Contains(c);
            rounds++;
        }
        var results = cells.Select(c => new CellResult(c, expected[c].Allowed, observed[c], expected[c].Reason)).ToList();
        return new CheckResult(model, results, rounds, sw.Elapsed);
    }

    private async Task<(PolicyEvaluator, Dictionary<string, PolicyEndpoint>, Dictionary<string, string>)> ReadStateAsync(CancellationToken ct)
    {
        var namespaces = (await api.ListAsync<Namespace>(ApiResources.Namespaces, ct: ct)).Select(PolicyNamespace.From).ToList();
        var policies = await api.ListAsync<NetworkPolicy>(ApiResources.NetworkPolicies, ct: ct);
        var endpoints = new Dictionary<string, PolicyEndpoint>();
        var addresses = new Dictionary<string, string>();
        foreach (var ns in model.Namespaces)
        {
            var pods = await api.ListAsync<Pod>(ApiResources.Pods, ns, ct: ct);
            foreach (var name in model.PodNames)
            {
                var pod = pods.FirstOrDefault(p => p.Metadata.Name == name && !p.IsTerminating)
                    ?? throw new CheckException($"pod {ns}/{name} of the model does not exist");
                if (pod.Status?.PodIP is not { Length: > 0 })
                    throw new CheckException($"pod {ns}/{name} of the model has no IP yet ({pod.Status?.Phase ?? "Pending"})");
                endpoints[$"{ns}/{name}"] = new PodEndpoint(PolicyPod.From(pod));
                addresses[$"{ns}/{name}"] = ViaService ? await ClusterIpAsync(ns, name, ct) : pod.Status.PodIP;
            }
        }
        try { return (new PolicyEvaluator(namespaces, policies), endpoints, addresses); }
        catch (ArgumentException e) { throw new CheckException($"cannot compute the expected table: {e.Message}", e); }
    }

    private async Task<string> ClusterIpAsync(string ns, string pod, CancellationToken ct)
    {
        var name = ConformanceModel.ServiceName(ns, pod);
        var obj = await api.TryGetAsync(ApiResources.Services, ns, name, ct)
            ?? throw new CheckException($"service {ns}/{name} does not exist (probing through Services needs one per pod)");
        var svc = Podnet.Api.Json.KubeJson.As<Service>(obj);
        return svc.Spec.ClusterIP is { } ip && IPAddress.TryParse(ip, out _) ? ip
            : throw new CheckException($"service {ns}/{name} has no ClusterIP");
    }
}
