using System.Text.Json;

namespace Podnet.Agent.Overlay.Config;

/// <summary>The Backend section of net-conf.json. Fields not meaningful to a type keep their defaults.</summary>
public sealed record BackendConfig
{
    /// <summary>"vxlan" (default), "host-gw" or "udp".</summary>
    public string Type { get; init; } = "vxlan";

    /// <summary>VXLAN network identifier (vxlan only).</summary>
    public uint Vni { get; init; } = 1;

    /// <summary>UDP port: 8472 for vxlan, 8285 for udp.</summary>
    public ushort Port { get; init; }

    /// <summary>vxlan: use a plain route (no encapsulation) to nodes on the same L2 segment.</summary>
    public bool DirectRouting { get; init; }

    public static readonly IReadOnlyList<string> KnownTypes = ["vxlan", "host-gw", "udp"];

    internal static BackendConfig Parse(JsonElement root)
    {
        if (!root.TryGetProperty("Backend", out var b) || b.ValueKind == JsonValueKind.Null)
            return new BackendConfig { Port = 8472 };
        if (b.ValueKind != JsonValueKind.Object) throw new ConfigException("Backend must be an object like {\"Type\":\"vxlan\"}");
        string type = (Json.String(b, "Type") ?? "vxlan").ToLowerInvariant();
        if (!KnownTypes.Contains(type))
            throw new ConfigException($"unknown Backend.Type \"{Json.String(b, "Type")}\" (known: {string.Join(", ", KnownTypes)})");
        long vni = Json.Int(b, "VNI") ?? 1;
        if (vni is < 1 or > 0xffffff) throw new ConfigException($"Backend.VNI {vni} is out of range (1-16777215)");
        long port = Json.Int(b, "Port") ?? (type == "udp" ? 8285 : type == "vxlan" ? 8472 : 0);
        if (type != "host-gw" && port is < 1 or > 65535) throw new ConfigException($"Backend.Port {port} is out of range (1-65535)");
        bool direct = Json.Bool(b, "DirectRouting") ?? false;
        return new BackendConfig { Type = type, Vni = (uint)vni, Port = (ushort)port, DirectRouting = direct };
    }

    internal Dictionary<string, object> ToJsonObject() => Type switch
    {
        "vxlan" => new() { ["Type"] = Type, ["VNI"] = Vni, ["Port"] = Port, ["DirectRouting"] = DirectRouting },
        "udp" => new() { ["Type"] = Type, ["Port"] = Port },
        _ => new() { ["Type"] = Type },
    };
}
