using System.Text.Json.Nodes;
using Podnet.Api.Json;

namespace Podnet.Api.Tests;

/// <summary>Small object builders for tests.</summary>
public static class Objects
{
    public static JsonObject Obj(string json) => KubeJson.Parse(json);

    public static JsonObject Pod(string name, string ns = "default", Dictionary<string, string>? labels = null, string? node = null,
        string ports = "[]")
    {
        var pod = Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{"containers":[{"name":"c","image":"agnhost"}]}}""");
        pod.Metadata()["name"] = name;
        pod.Metadata()["namespace"] = ns;
        if (labels is not null) pod.Metadata()["labels"] = LabelsNode(labels);
        if (node is not null) pod["spec"]!["nodeName"] = node;
        pod["spec"]!["containers"]![0]!["ports"] = JsonNode.Parse(ports);
        return pod;
    }

    public static JsonObject Service(string name, string ns = "default", string selector = """{"app":"web"}""",
        string ports = """[{"port":80,"targetPort":8080}]""", string extra = "")
    {
        var spec = Obj("{\"selector\":" + selector + ",\"ports\":" + ports + extra + "}");
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    public static JsonObject Node(string name, bool ready = true, string ip = "192.168.80.11")
    {
        var node = Obj("""{"apiVersion":"v1","kind":"Node","metadata":{},"status":{"addresses":[{"type":"InternalIP"}],"conditions":[{"type":"Ready"}]}}""");
        node.Metadata()["name"] = name;
        node["status"]!["addresses"]![0]!["address"] = ip;
        node["status"]!["conditions"]![0]!["status"] = ready ? "True" : "False";
        return node;
    }

    public static JsonObject Namespace(string name) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };

    public static JsonObject LabelsNode(Dictionary<string, string> labels) =>
        new(labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
