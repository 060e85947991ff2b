namespace Podnet.Cli.Output.Tables;

/// <summary>NAME READY UP-TO-DATE AVAILABLE AGE (+ CONTAINERS IMAGES SELECTOR).</summary>
public static class DeploymentTable
{
    public static readonly TableSpec Spec = new(
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        (o, now) =>
        [
            o.Name(),
            $"{o.Long("status.readyReplicas") ?? 0}/{o.Long("spec.replicas") ?? 1}",
            (o.Long("status.updatedReplicas") ?? 0).ToString(),
            (o.Long("status.availableReplicas") ?? 0).ToString(),
            Age.Since(o.Time("metadata.creationTimestamp"), now),
        ],
        ["CONTAINERS", "IMAGES", "SELECTOR"],
        o =>
        {
            var containers = o.Objects("spec.template.spec.containers").ToList();
            return
            [
                Tables.OrNone(string.Join(",", containers.Select(c => c.Str("name") ?? ""))),
                Tables.OrNone(string.Join(",", containers.Select(c => c.Str("image") ?? ""))),
                Tables.Selector(o.At("spec.selector")),
            ];
        });
}
