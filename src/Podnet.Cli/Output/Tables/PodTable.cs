using System.Text.Json.Nodes;

namespace Podnet.Cli.Output.Tables;

/// <summary>NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES).</summary>
public static class PodTable
{
    public static readonly TableSpec Spec = new(
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        (o, now) =>
        {
            var (ready, total, restarts, status) = Summarize(o);
            return [o.Name(), $"{ready}/{total}", status, restarts.ToString(), Age.Since(o.Time("metadata.creationTimestamp"), now)];
        },
        ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        o => [Tables.OrNone(o.Str("status.podIP")), Tables.OrNone(o.Str("spec.nodeName")), "<none>", "<none>"]);

    /// <summary>Ready and total containers, restarts, and the STATUS word kubectl derives: a waiting or
    /// terminated container's reason wins over the phase; a deleted pod is Terminating.</summary>
    public static (int Ready, int Total, long Restarts, string Status) Summarize(JsonObject pod)
    {
        int total = pod.Objects("spec.containers").Count();
        string reason = pod.Str("status.reason") is { Length: > 0 } r ? r : pod.Str("status.phase") ?? "Pending";
        int ready = 0;
        long restarts = 0;
        bool hasRunning = false;
        foreach (var c in pod.Objects("status.containerStatuses").Reverse())
        {
            restarts += c.Long("restartCount") ?? 0;
            if (c.Str("state.waiting.reason") is { Length: > 0 } w) reason = w;
            else if (c.Str("state.terminated.reason") is { Length: > 0 } t) reason = t;
            else if (c.At("state.terminated") is JsonObject term)
                reason = term.Long("signal") is long sig and not 0 ? $"Signal:{sig}" : $"ExitCode:{term.Long("exitCode") ?? 0}";
            else if (c.Bool("ready") == true && c.At("state.running") is JsonObject)
            {
                hasRunning = true;
                ready++;
            }
        }
        if (reason == "Completed" && hasRunning)
            reason = pod.Objects("status.conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") ? "Running" : "NotReady";
        if (pod.Str("metadata.deletionTimestamp") is not null)
            reason = pod.Str("status.reason") == "NodeLost" ? "Unknown" : "Terminating";
        return (ready, total, restarts, reason);
    }
}
