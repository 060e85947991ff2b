using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Podnet.ControlPlane.Controllers;

/// <summary>A deployment's pod as the planner sees it.</summary>
public sealed record PodState(string Name, bool Ready, DateTimeOffset Created);

/// <summary>What to do next: how many new pods to create and which pods to delete.</summary>
public sealed record DeploymentPlan(int Create, IReadOnlyList<string> Delete);

/// <summary>The rolling-update arithmetic of the Deployment controller, pure for table tests.
/// New pods run the current template, old pods any earlier one; terminating pods are not counted.</summary>
public static class DeploymentPlanner
{
    public static DeploymentPlan Plan(int replicas, bool recreate, int maxSurge, int maxUnavailable,
        IReadOnlyList<PodState> newPods, IReadOnlyList<PodState> oldPods)
    {
        var delete = new List<string>();
        if (oldPods.Count == 0)
        {
            if (newPods.Count < replicas) return new(replicas - newPods.Count, delete);
            delete.AddRange(ScaleDownOrder(newPods).Take(newPods.Count - replicas).Select(p => p.Name));
            return new(0, delete);
        }
        if (recreate)
        {
            // Recreate: every old pod goes first; new ones start once the old are gone.
            delete.AddRange(oldPods.Select(p => p.Name));
            return new(0, delete);
        }
        if (maxSurge == 0 && maxUnavailable == 0) maxUnavailable = 1;
        var total = newPods.Count + oldPods.Count;
        var create = Math.Max(0, Math.Min(replicas - newPods.Count, replicas + maxSurge - total));
        if (newPods.Count > replicas)
            delete.AddRange(ScaleDownOrder(newPods).Take(newPods.Count - replicas).Select(p => p.Name));

        var minAvailable = replicas - maxUnavailable;
        var newUnready = newPods.Count(p => !p.Ready);
        var available = newPods.Count(p => p.Ready) + oldPods.Count(p => p.Ready);
        // Unready old pods serve nobody: remove them as far as the surge budget allows.
        var unhealthyBudget = Math.Max(0, total - minAvailable - newUnready);
        var oldUnready = oldPods.Where(p => !p.Ready).OrderByDescending(p => p.Created).Take(unhealthyBudget).ToList();
        delete.AddRange(oldUnready.Select(p => p.Name));
        // Ready old pods go only while enough pods stay available.
        var healthyBudget = Math.Max(0, available - minAvailable);
        delete.AddRange(oldPods.Where(p => p.Ready).OrderBy(p => p.Created).Take(healthyBudget).Select(p => p.Name));
        return new(create, delete);
    }

    /// <summary>Which pods to remove first when scaling down: unready, then newest.</summary>
    private static IEnumerable<PodState> ScaleDownOrder(IEnumerable<PodState> pods) =>
        pods.OrderBy(p => p.Ready).ThenByDescending(p => p.Created).ThenBy(p => p.Name, StringComparer.Ordinal);

    /// <summary>The pod-template-hash: a short stable hash of the template, independent of key order.</summary>
    public static string TemplateHash(JsonNode? template)
    {
        var canon = Canonical(template);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(canon));
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return new string(digest.Take(10).Select(b => alphabet[b % alphabet.Length]).ToArray());
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => JsonValue.Create(kv.Key).ToJsonString() + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
