using System.Net;
using Podnet.Cni.Ipam;
using Podnet.Cni.Spec;
using static Podnet.Cni.Spec.ResultJson;

namespace Podnet.Cni.Config;

/// <summary>host-local compatible IPAM configuration ("ipam" object of the network config).</summary>
public sealed record IpamConf(
    string Type,
    string Network,
    IReadOnlyList<RangeSet> Ranges,
    IReadOnlyList<CniRoute> Routes,
    string DataDir,
    string? ResolvConf,
    IReadOnlyList<IPAddress> RequestedIps)
{
    public const string DefaultDataDir = "/var/lib/cni/networks";

    public string StoreDir => System.IO.Path.Combine(DataDir, Network);

    /// <summary>Parses the ipam object; requested IPs come from CNI_ARGS IP, args.cni.ips and runtimeConfig.ips.</summary>
    public static IpamConf Parse(JObj ipam, string network, CniArgs cniArgs, JObj root)
    {
        string type = Str(ipam, "type") ?? "";
        var sets = new List<RangeSet>();
        if (Str(ipam, "subnet") is { } legacy)
            sets.Add(new RangeSet([IpRange.Create(legacy, Str(ipam, "rangeStart"), Str(ipam, "rangeEnd"), Str(ipam, "gateway"), "ipam")]));
        int si = 0;
        foreach (var setNode in Arr(ipam, "ranges"))
        {
            if (setNode is not JArr set)
                throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam.ranges", $"ipam.ranges[{si}] must be a list of ranges");
            var ranges = new List<IpRange>();
            int ri = 0;
            foreach (var rn in set)
            {
                string what = $"ipam.ranges[{si}][{ri++}]";
                var r = Obj(rn, what);
                ranges.Add(IpRange.Create(Str(r, "subnet") ?? throw new CniException(CniErrorCode.InvalidConfig, $"missing subnet in {what}"),
                    Str(r, "rangeStart"), Str(r, "rangeEnd"), Str(r, "gateway"), what));
            }
            if (ranges.Count == 0)
                throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam.ranges", $"ipam.ranges[{si}] is empty");
            if (ranges.Any(r => r.IsV4 != ranges[0].IsV4))
                throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam.ranges", $"ipam.ranges[{si}] mixes IPv4 and IPv6 ranges");
            for (int a = 0; a < ranges.Count; a++)
                for (int b = a + 1; b < ranges.Count; b++)
                    if (ranges[a].Overlaps(ranges[b]))
                        throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam.ranges", $"ipam.ranges[{si}]: range {ranges[a]} overlaps with {ranges[b]}");
            sets.Add(new RangeSet(ranges));
            si++;
        }
        if (sets.Count == 0)
            throw new CniException(CniErrorCode.InvalidConfig, "no IP ranges specified", "ipam needs \"ranges\" (or the legacy \"subnet\")");
        for (int a = 0; a < sets.Count; a++)
            for (int b = a + 1; b < sets.Count; b++)
                if (sets[a].Overlaps(sets[b]))
                    throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam.ranges", $"range set {a} overlaps with range set {b}");

        var routes = new List<CniRoute>();
        foreach (var r in Arr(ipam, "routes")) routes.Add(ParseRoute(Obj(r, "ipam.routes[]"), "ipam.routes[]"));

        var requested = new List<IPAddress>();
        foreach (var s in cniArgs.Ips) requested.Add(IpMath.ParseIp(s, "CNI_ARGS IP"));
        if (root["args"] is JObj args && args["cni"] is JObj cni)
            foreach (var s in StrList(cni, "ips")) requested.Add(ParseRequested(s, "args.cni.ips"));
        if (root["runtimeConfig"] is JObj rc)
            foreach (var s in StrList(rc, "ips")) requested.Add(ParseRequested(s, "runtimeConfig.ips"));

        return new IpamConf(type, network, sets, routes, FilePath(ipam, "dataDir") is { Length: > 0 } d ? d : DefaultDataDir,
            FilePath(ipam, "resolvConf"), requested.Distinct().ToList());
    }

    // A NUL (valid in a JSON string) cannot be in a file name: .NET's file APIs throw ArgumentException,
    // which surfaced as an internal error (code 100) with a stack trace instead of naming the field.
    static string? FilePath(JObj ipam, string key) => Str(ipam, key) is { } p && p.Contains('\0')
        ? throw new CniException(CniErrorCode.InvalidConfig, $"invalid ipam.{key}", $"ipam.{key} {new JStr(p).ToJsonString()} contains a NUL character")
        : Str(ipam, key);

    // Runtime-provided IPs may be given with a prefix ("10.1.2.3/24"): only the address counts.
    static IPAddress ParseRequested(string s, string what) =>
        s.Contains('/') ? Cidr.Parse(s, what).Address : IpMath.ParseIp(s, what);
}
