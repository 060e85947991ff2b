using Podnet.Api.Resources;

namespace Podnet.ControlPlane.Server;

/// <summary>A parsed resource URL: <c>/api/v1/namespaces/{ns}/pods/{name}/status</c> and friends.</summary>
public sealed record RequestPath(ApiResource Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Parses a resource path; null when the path is not a resource path at all,
    /// an <see cref="ApiError"/> (404) when it names an unknown resource.</summary>
    public static RequestPath? Parse(string path)
    {
        var seg = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group, version;
        string[] rest;
        if (seg.Length >= 3 && seg[0] == "api") { group = ""; version = seg[1]; rest = seg[2..]; }
        else if (seg.Length >= 4 && seg[0] == "apis") { group = seg[1]; version = seg[2]; rest = seg[3..]; }
        else return null;

        if (rest[0] == "namespaces" && rest.Length >= 3 && ApiResources.ByPath(group, version, rest[2]) is { Namespaced: true } nsRes)
        {
            if (rest.Length > 5) throw NotFound(path);
            return new RequestPath(nsRes, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null);
        }
        var res = ApiResources.ByPath(group, version, rest[0]) ?? throw NotFound(path);
        if (rest.Length > 3) throw NotFound(path);
        var name = rest.Length > 1 ? rest[1] : null;
        if (res.Namespaced && name is not null) throw NotFound(path);
        return new RequestPath(res, null, name, rest.Length > 2 ? rest[2] : null);
    }

    private static ApiError NotFound(string path) =>
        new(404, "NotFound", $"the server could not find the requested resource ({path})");
}
