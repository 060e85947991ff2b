using System.Net;

namespace Podnet.Cni.Spec;

/// <summary>
/// Reads results of any supported version and writes them in the requested one. Conversion follows
/// libcni: 0.3.x/0.4.0 carry "version" per IP; fields added in 1.1.0 (interface mtu/socketPath/pciID,
/// route mtu/advmss/priority/table/scope) are dropped when writing an older version.
/// </summary>
public static class ResultJson
{
    public static CniResult Parse(JNode? node, string what)
    {
        if (node is not JObj o)
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
        CniDns? dns = o["dns"] is JObj d ? ParseDns(d) : null;
        return new CniResult(version, ifs, ips, routes, dns);
    }

    public static CniRoute ParseRoute(JObj r, string what)
    {
        var dst = Cidr.Parse(Str(r, "dst") ?? "", $"{what}.dst").Masked;
        var gw = Str(r, "gw") is { Length: > 0 } g ? IpMath.ParseIp(g, $"{what}.gw") : null;
        return new CniRoute(dst, gw, Int(r, "mtu"), Int(r, "advmss"), Int(r, "priority"), Int(r, "table"), Int(r, "scope"));
    }

    public static CniDns ParseDns(JObj d) =>
        new(StrList(d, "nameservers"), Str(d, "domain"), StrList(d, "search"), StrList(d, "options"));

    /// <summary>Writes the result as the given version (the version the config asked for).</summary>
    public static void Write(JsonOut w, CniResult r, string version, bool ipam = false)
    {
        bool legacy = CniVersion.IsLegacyResult(version);
        bool v11 = CniVersion.AtLeast(version, "1.1.0");
        w.StartObject();
        w.String("cniVersion", version);
        if (!ipam && r.Interfaces.Count > 0)
        {
            w.StartArray("interfaces");
            foreach (var i in r.Interfaces)
            {
                w.StartObject();
                w.String("name", i.Name);
                if (!string.IsNullOrEmpty(i.Mac)) w.String("mac", i.Mac);
                if (v11 && i.Mtu is { } mtu && mtu > 0) w.Number("mtu", mtu);
                if (!string.IsNullOrEmpty(i.Sandbox)) w.String("sandbox", i.Sandbox);
                if (v11 && !string.IsNullOrEmpty(i.SocketPath)) w.String("socketPath", i.SocketPath);
                if (v11 && !string.IsNullOrEmpty(i.PciId)) w.String("pciID", i.PciId);
                w.EndObject();
            }
            w.EndArray();
        }
        if (r.Ips.Count > 0)
        {
            w.StartArray("ips");
            foreach (var ip in r.Ips)
            {
                w.StartObject();
                if (legacy) w.String("version", ip.Address.IsV4 ? "4" : "6");
                if (!ipam && ip.Interface is { } idx) w.Number("interface", idx);
                w.String("address", ip.Address.ToString());
                if (ip.Gateway is not null) w.String("gateway", ip.Gateway.ToString());
                w.EndObject();
            }
            w.EndArray();
        }
        if (r.Routes.Count > 0)
        {
            w.StartArray("routes");
            foreach (var rt in r.Routes) WriteRoute(w, rt, v11);
            w.EndArray();
        }
        if (r.Dns is { IsEmpty: false } d)
        {
            w.StartObject("dns");
            WriteList(w, "nameservers", d.Nameservers);
            if (d.Domain is not null) w.String("domain", d.Domain);
            WriteList(w, "search", d.Search);
            WriteList(w, "options", d.Options);
            w.EndObject();
        }
        w.EndObject();
    }

    public static void WriteRoute(JsonOut w, CniRoute rt, bool v11)
    {
        w.StartObject();
        w.String("dst", rt.Dst.ToString());
        if (rt.Gw is not null) w.String("gw", rt.Gw.ToString());
        if (v11)
        {
            if (rt.Mtu is { } m) w.Number("mtu", m);
            if (rt.AdvMss is { } a) w.Number("advmss", a);
            if (rt.Priority is { } p) w.Number("priority", p);
            if (rt.Table is { } t) w.Number("table", t);
            if (rt.Scope is { } s) w.Number("scope", s);
        }
        w.EndObject();
    }

    public static byte[] ToBytes(CniResult r, string version, bool ipam = false)
    {
        var w = new JsonOut();
        Write(w, r, version, ipam);
        return w.ToBytes();
    }

    static void WriteList(JsonOut w, string name, IReadOnlyList<string> items)
    {
        if (items.Count == 0) return;
        w.StartArray(name);
        foreach (var s in items) w.String(null, s);
        w.EndArray();
    }

    // Small typed accessors that turn type mismatches into decode errors naming the key.
    public static string? Str(JObj o, string key) => o[key] switch
    {
        null => null,
        JStr s => s.Value,
        var n => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be a string", $"\"{key}\": {n.ToJsonString()}"),
    };

    public static int? Int(JObj o, string key) => o[key] switch
    {
        null => null,
        JNum n when n.Value == Math.Floor(n.Value) && n.Value is >= int.MinValue and <= int.MaxValue => (int)n.Value,
        var n => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be an integer", $"\"{key}\": {n.ToJsonString()}"),
    };

    public static bool Bool(JObj o, string key) => o[key] switch
    {
        null => false,
        JBool b => b.Value,
        var n => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be a boolean", $"\"{key}\": {n.ToJsonString()}"),
    };

    public static JArr Arr(JObj o, string key) => o[key] switch
    {
        null => new JArr([]),
        JArr a => a,
        var n => throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be an array", $"\"{key}\": {n.ToJsonString()}"),
    };

    public static JObj Obj(JNode? n, string what) => n as JObj
        ?? throw new CniException(CniErrorCode.DecodeFailure, $"{what} must be an object", n?.ToJsonString() ?? "null");

    public static List<string> StrList(JObj o, string key)
    {
        var list = new List<string>();
        foreach (var e in Arr(o, key))
            list.Add(e is JStr s ? s.Value
                : throw new CniException(CniErrorCode.DecodeFailure, $"field \"{key}\" must be a list of strings"));
        return list;
    }
}
