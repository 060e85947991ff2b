using System.Text.Json;

namespace Podnet.Agent.Overlay.Config;

/// <summary>Typed field reads with errors that name the field.</summary>
internal static class Json
{
    public static string? String(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ConfigException($"{name} must be a string, got {v.ValueKind.ToString().ToLowerInvariant()} {v.GetRawText()}");
    }

    public static int? Int(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw new ConfigException($"{name} must be an integer, got {v.GetRawText()}");
    }

    public static bool? Bool(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ConfigException($"{name} must be true or false, got {v.GetRawText()}"),
        };
    }
}
