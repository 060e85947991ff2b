using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Podnet.Cni.Spec;

/// <summary>
/// Reads results of any supported version and writes them in the requested one. Conversion follows
/// libcni: 0.3.x/0.4.0 carry "version" per IP; fields added in 1.1.0 (interface mtu/socketPath/pciID,
/// route mtu/advmss/priority/table/scope) are dropped when writing an older version.
/// </summary>
public static class ResultJson
{
    public static CniResult Parse(JsonNode node, string what)
    {
        if (node is not JsonObject o)
            throw new CniException(CniErrorCode.DecodeFailure, $"{what} is not a JSON object");
        string version = Str(o, "cniVersion") ?? throw new CniException(CniErrorCode.DecodeFailure, $"{what} has no cniVersion");
        CniVersion.Require(version);
        var ifs = new List<CniInterface>();
        foreach (var i in Arr(o, "interfaces"))
        {
            var io = Obj(i, $"{what}.interfaces[]");
            ifs.Add(new CniInterface(Str(io, "name") ?? "", Str(io, "mac"), Int(io, "mtu"), Str(io, "sandbox"),
                Str(io, "socketPath"), Str(io, "pciID")));
        }
        var ips = new List<IpConfig>();
        foreach (var i in Arr(o, "ips"))
        {
            var io = Obj(i, $"{what}.ips[]");
            var addr = Cidr.Parse(Str(io, "address") ?? "", $"{what}.ips[].address");
            var gw = Str(io, "gateway") is { } g ? IpMath.ParseIp(g, $"{what}.ips[].gateway") : null;
            ips.Add(new IpConfig(addr, gw, Int(io, "interface")));
        }
        var routes = new List<CniRoute>();
        foreach (var r in Arr(o, "routes")) routes.Add(ParseRoute(Obj(r, $"{what}.routes[]"), $"{what}.routes[]"));
        CniDns? dns = o["dns"] is JsonObject d ? ParseDns(d) : null;
        return new CniResult(version, ifs, ips, routes, dns);
    }

    public static CniRoute ParseRoute(JsonObject r, string what)
    {
        var dst = Cidr.Parse(Str(r, "dst") ?? "", $"{what}.dst").Masked;
        var gw = Str(r, "gw") is { Length: > 0 } g ? IpMath.ParseIp(g, $"{what}.gw") : null;
        return new CniRoute(dst, gw, Int(r, "mtu"), Int(r, "advmss"), Int(r, "priority"), Int(r, "table"), Int(r, "scope"));
    }

    public static CniDns ParseDns(JsonObject d) =>
        new(StrList(d, "nameservers"), Str(d, "domain"), StrList(d, "search"), StrList(d, "options"));

    /// <summary>Writes the result as the given version (the version the config asked for).</summary>
    public static void Write(Utf8JsonWriter w, CniResult r, string version, bool ipam = false)
    {
        bool legacy = CniVersion.IsLegacyResult(version);
        bool v11 = CniVersion.AtLeast(version, "1.1.0");
        w.WriteStartObject();
        w.WriteString("cniVersion", version);
        if (!ipam && r.Interfaces.Count > 0)
        {
            w.WriteStartArray("interfaces");
            foreach (var i in r.Interfaces)
            {
                w.WriteStartObject();
                w.WriteString("name", i.Name);
                if (!string.IsNullOrEmpty(i.Mac)) w.WriteString("mac", i.Mac);
                if (v11 && i.Mtu is { } mtu && mtu > 0) w.WriteNumber("mtu", mtu);
                if (!string.IsNullOrEmpty(i.Sandbox)) w.WriteString("sandbox", i.Sandbox);
                if (v11 && !string.IsNullOrEmpty(i.SocketPath)) w.WriteString("socketPath", i.SocketPath);
                if (v11 && !string.IsNullOrEmpty(i.PciId)) w.WriteString("pciID", i.PciId);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (r.Ips.Count > 0)
        {
            w.WriteStartArray("ips");
            foreach (var ip in r.Ips)
            {
                w.WriteStartObject();
                if (legacy) w.WriteString("version", ip.Address.IsV4 ? "4" : "6");
                if (!ipam && ip.Interface is { } idx) w.WriteNumber("interface", idx);
                w.WriteString("address", ip.Address.ToString());
                if (ip.Gateway is not null) w.WriteString("gateway", ip.Gateway.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (r.Routes.Count > 0)
        {
            w.WriteStartArray("routes");
            foreach (var rt in r.Routes) WriteRoute(w, rt, v11);
            w.WriteEndArray();
        }
        if (r.Dns is { IsEmpty: false } d)
        {
            w.WriteStartObject("dns");
            WriteList(w, "nameservers", d.Nameservers);
            if (d.Domain is not null) w.WriteString("domain", d.Domain);
            WriteList(w, "search", d.Search);
            WriteList(w, "options", d.Options);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    public static void WriteRoute(Utf8JsonWriter w, CniRoute rt, bool v11)
    {
        w.WriteStartObject();
        w.WriteString("dst", rt.Dst.ToString());
        if (rt.Gw is not null) w.WriteString("gw", rt.Gw.ToString());
        if (v11)
        {
            if (rt.Mtu is { } m) w.WriteNumber("mtu", m);
            if (rt.AdvMss is { } a) w.WriteNumber("advmss", a);
            if (rt.Priority is { } p) w.WriteNumber("priority", p);
            if (rt.Table is { } t) w.WriteNumber("table", t);
            if (rt.Scope is { } s) w.WriteNumber("scope", s);
        }
        w.WriteEndObject();
    }

    public static byte[] ToBytes(CniResult r, string version, bool ipam = false)
    {
        var buf = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buf)) Write(w, r, version, ipam);
        return buf.WrittenSpan.ToArray();
    }

    static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        if (items.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var s in items) w.WriteStringValue(s);
        w.WriteEndArray();
    }

    // Small typed accessors over JsonNode that turn type mismatches into decode errors naming the key.
    public static string? Str(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be a string", $"\"{key}\": {o[key]!.ToJsonString()}"),
    };

    public static int? Int(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        _ => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be an integer", $"\"{key}\": {o[key]!.ToJsonString()}"),
    };

    public static bool Bool(JsonObject o, string key) => o[key] switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be a boolean", $"\"{key}\": {o[key]!.ToJsonString()}"),
    };

    public static JsonArray Arr(JsonObject o, string key) => o[key] switch
    {
        null => [],
        JsonArray a => a,
        _ => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be an array", $"\"{key}\": {o[key]!.ToJsonString()}"),
    };

    public static JsonObject Obj(JsonNode? n, string what) => n as JsonObject
        ?? throw new CniException(CniErrorCode.DecodeFailure, $"{what} must be an object", n?.ToJsonString() ?? "null");

    public static List<string> StrList(JsonObject o, string key)
    {
        var list = new List<string>();
        foreach (var e in Arr(o, key))
            list.Add(e is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be a list of strings"));
        return list;
    }
}
