using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Podnet.Agent.Overlay.Config;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Linux;

namespace Podnet.Agent.Overlay.Subnet;

/// <summary>
/// SubnetLease ↔ API object (<c>podnet.io/v1</c> SubnetLease, cluster-scoped, named after the
/// subnet like flannel's etcd keys: <c>10-244-1-0-24</c>):
/// <c>spec: {subnet, node, publicIP, backendType, backendData: {vtepMAC}, expiration}</c>.
/// </summary>
public static class LeaseJson
{
    public static ApiResource Resource => ApiResources.SubnetLeases;

    public static string NameOf(IPNetwork subnet) => Ip4.ToName(subnet);

    public static JsonObject ToObject(SubnetLease l)
    {
        var meta = new JsonObject { ["name"] = NameOf(l.Subnet) };
        if (l.ResourceVersion is not null) meta["resourceVersion"] = l.ResourceVersion;
        var spec = new JsonObject
        {
            ["subnet"] = l.Subnet.ToString(),
            ["node"] = l.Node,
            ["publicIP"] = l.PublicIp.ToString(),
            ["backendType"] = l.BackendType,
            ["expiration"] = l.Expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (l.VtepMac is { } m) spec["backendData"] = new JsonObject { ["vtepMAC"] = m.ToString() };
        return new JsonObject
        {
            ["apiVersion"] = Resource.ApiVersion, ["kind"] = Resource.Kind, ["metadata"] = meta, ["spec"] = spec,
        };
    }

    /// <summary>Parses a stored lease; null (and <paramref name="problem"/>) for a malformed one, which
    /// the agent ignores rather than routing somewhere wrong.</summary>
    public static SubnetLease? FromObject(JsonObject o, out string? problem)
    {
        problem = null;
        var spec = o["spec"] as JsonObject;
        string name = o.Name() ?? "?";
        if (spec is null) { problem = $"SubnetLease {name} has no spec"; return null; }
        if (!IPNetwork.TryParse(spec.Str("subnet") ?? "", out var subnet)) { problem = $"SubnetLease {name}: bad spec.subnet \"{spec.Str("subnet")}\""; return null; }
        if (!IPAddress.TryParse(spec.Str("publicIP") ?? "", out var ip)) { problem = $"SubnetLease {name}: bad spec.publicIP \"{spec.Str("publicIP")}\""; return null; }
        if (!DateTimeOffset.TryParse(spec.Str("expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var exp)) { problem = $"SubnetLease {name}: bad spec.expiration \"{spec.Str("expiration")}\""; return null; }
        MacAddress? mac = null;
        if (spec["backendData"].Str("vtepMAC") is { } ms)
        {
            if (!MacAddress.TryParse(ms, out var m)) { problem = $"SubnetLease {name}: bad spec.backendData.vtepMAC \"{ms}\""; return null; }
            mac = m;
        }
        return new SubnetLease
        {
            Subnet = subnet, Node = spec.Str("node") ?? "", PublicIp = ip, BackendType = spec.Str("backendType") ?? "",
            VtepMac = mac, Expiration = exp, ResourceVersion = o.ResourceVersion(),
        };
    }
}
