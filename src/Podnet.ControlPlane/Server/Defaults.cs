using System.Text.Json.Nodes;
using Podnet.Api.Resources;

namespace Podnet.ControlPlane.Server;

/// <summary>Kubernetes defaulting, applied on the JSON so unknown fields stay untouched.</summary>
public static class Defaults
{
    public static void Apply(ApiResource r, JsonObject obj)
    {
        switch (r.Kind)
        {
            case "Namespace": Namespace(obj); break;
            case "Pod": PodSpec(obj["spec"] as JsonObject); break;
            case "Service": Service(obj); break;
            case "Deployment": Deployment(obj); break;
            case "NetworkPolicy": NetworkPolicy(obj); break;
            case "EndpointSlice": PortsProtocol(obj["ports"] as JsonArray); break;
        }
    }

    /// <summary>As Kubernetes: every namespace carries <c>kubernetes.io/metadata.name=NAME</c> (set on
    /// create and update, overwriting a different value), so policies can select it by name.</summary>
    private static void Namespace(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta || meta["name"]?.GetValueKind() != System.Text.Json.JsonValueKind.String) return;
        if (meta["labels"] is not JsonObject labels) meta["labels"] = labels = new JsonObject();
        labels["kubernetes.io/metadata.name"] = meta["name"]!.GetValue<string>();
    }

    private static void PodSpec(JsonObject? spec)
    {
        if (spec is null) return;
        spec["restartPolicy"] ??= "Always";
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["terminationGracePeriodSeconds"] ??= 30;
        foreach (var c in Objects(spec["containers"]).Concat(Objects(spec["initContainers"])))
            PortsProtocol(c["ports"] as JsonArray);
    }

    private static void Service(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec) obj["spec"] = spec = new JsonObject();
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        var type = spec["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? spec["type"]!.GetValue<string>() : "";
        if (type is "NodePort" or "LoadBalancer") spec["externalTrafficPolicy"] ??= "Cluster";
        if (type != "ExternalName") spec["internalTrafficPolicy"] ??= "Cluster";
        foreach (var p in Objects(spec["ports"]))
        {
            p["protocol"] ??= "TCP";
            if (p["targetPort"] is null && p["port"] is JsonValue port) p["targetPort"] = port.DeepClone();
        }
    }

    private static void Deployment(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec) return;
        spec["replicas"] ??= 1;
        if (spec["strategy"] is not JsonObject strategy) spec["strategy"] = strategy = new JsonObject();
        strategy["type"] ??= "RollingUpdate";
        if (strategy["type"]?.ToString() == "RollingUpdate")
        {
            if (strategy["rollingUpdate"] is not JsonObject ru) strategy["rollingUpdate"] = ru = new JsonObject();
            ru["maxSurge"] ??= "25%";
            ru["maxUnavailable"] ??= "25%";
        }
        if (spec["template"]?["spec"] is JsonObject podSpec) PodSpec(podSpec);
    }

    private static void NetworkPolicy(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec) return;
        spec["podSelector"] ??= new JsonObject();
        if (spec["policyTypes"] is null or JsonArray { Count: 0 })
        {
            // As Kubernetes: Ingress always, Egress when at least one egress rule is given
            // (an empty "egress: []" does not count).
            var types = new JsonArray("Ingress");
            if (spec["egress"] is JsonArray { Count: > 0 }) types.Add("Egress");
            spec["policyTypes"] = types;
        }
        foreach (var rule in Objects(spec["ingress"]).Concat(Objects(spec["egress"])))
            PortsProtocol(rule["ports"] as JsonArray);
    }

    private static void PortsProtocol(JsonArray? ports)
    {
        foreach (var p in Objects(ports)) p["protocol"] ??= "TCP";
    }

    public static IEnumerable<JsonObject> Objects(JsonNode? arr) =>
        arr is JsonArray a ? a.OfType<JsonObject>().ToList() : [];
}
