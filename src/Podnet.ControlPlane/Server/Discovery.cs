using System.Text.Json.Nodes;
using Podnet.Api.Resources;

namespace Podnet.ControlPlane.Server;

/// <summary>Health, version and discovery documents (what <c>kubectl api-resources</c> reads).</summary>
public static class Discovery
{
    public static JsonObject? TryServe(string path)
    {
        path = "/" + path.Trim('/');
        switch (path)
        {
            case "/healthz" or "/readyz" or "/livez":
                return new JsonObject { ["status"] = "ok" };
            case "/version":
                return new JsonObject { ["major"] = "1", ["minor"] = "31", ["gitVersion"] = "v1.31.0-podnet", ["platform"] = "linux/amd64" };
            case "/api":
                return new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1") };
            case "/apis":
                var groups = ApiResources.All.Where(r => r.Group.Length > 0).Select(r => (r.Group, r.Version)).Distinct()
                    .Select(g => (JsonNode)new JsonObject
                    {
                        ["name"] = g.Group,
                        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = $"{g.Group}/{g.Version}", ["version"] = g.Version }),
                        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{g.Group}/{g.Version}", ["version"] = g.Version },
                    }).ToArray();
                return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = new JsonArray(groups) };
        }
        var gv = ApiResources.All.Where(r => r.GroupVersionPath == path).ToList();
        if (gv.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var r in gv)
        {
            resources.Add(new JsonObject
            {
                ["name"] = r.Plural, ["namespaced"] = r.Namespaced, ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
            });
            if (r.HasStatus)
                resources.Add(new JsonObject { ["name"] = r.Plural + "/status", ["namespaced"] = r.Namespaced, ["kind"] = r.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
        }
        return new JsonObject { ["kind"] = "APIResourceList", ["groupVersion"] = gv[0].ApiVersion, ["resources"] = resources };
    }
}
