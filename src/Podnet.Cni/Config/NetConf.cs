using System.Text.Json;
using Podnet.Cni.Spec;
using static Podnet.Cni.Spec.ResultJson;

namespace Podnet.Cni.Config;

/// <summary>One attachment as the runtime attached it: a (containerID, ifname) pair (GC input).</summary>
public sealed record Attachment(string ContainerId, string IfName);

/// <summary>
/// The plugin configuration from stdin (spec section 1 + 3), with the reference bridge plugin's
/// options. Unknown keys are ignored, as libcni plugins do.
/// </summary>
public sealed record NetConf(
    string CniVersion,
    string Name,
    string Type,
    string BridgeName,
    bool IsGateway,
    bool IsDefaultGateway,
    bool ForceAddress,
    bool IpMasq,
    int Mtu,
    bool HairpinMode,
    bool PromiscMode,
    int Vlan,
    string? Mac,
    JObj? Ipam,
    CniDns? Dns,
    JObj? PrevResult,
    IReadOnlyList<Attachment>? ValidAttachments,
    JObj Root)
{
    public const string DefaultBridge = "cni0";

    /// <summary>"gsoMaxSize" (podnetd's extension, 0 = leave the kernel default): the GSO/GRO size for
    /// the bridge and both veth ends, above 64 KiB for BIG TCP when the node's uplink carries it.</summary>
    public int GsoMaxSize { get; init; }

    public string? IpamType => Ipam is null ? null : Str(Ipam, "type");

    /// <summary>Parses stdin. Errors: 6 for undecodable JSON, 1 for an unknown version, 7 for bad values.</summary>
    public static NetConf Parse(ReadOnlySpan<byte> stdin, CniArgs args)
    {
        JObj root = ParseObject(stdin);
        string version = Str(root, "cniVersion") ?? "";
        if (version.Length == 0)
            throw new CniException(CniErrorCode.InvalidConfig, "missing cniVersion", "network configuration has no \"cniVersion\"");
        Spec.CniVersion.Require(version);
        string name = Str(root, "name") ?? "";
        if (!ValidName(name))
            throw new CniException(CniErrorCode.InvalidConfig, "invalid network name",
                $"\"name\" is \"{name}\": must be non-empty, start with an alphanumeric character and contain only alphanumerics, '_', '.' or '-'");
        string type = Str(root, "type") ?? "";
        if (type.Length == 0)
            throw new CniException(CniErrorCode.InvalidConfig, "missing plugin type", "network configuration has no \"type\"");

        bool isDefaultGw = Bool(root, "isDefaultGateway");
        int vlan = Int(root, "vlan") ?? 0;
        if (vlan is < 0 or > 4094)
            throw new CniException(CniErrorCode.InvalidConfig, "invalid vlan", $"invalid VLAN ID {vlan} (must be between 0 and 4094)");
        int mtu = Int(root, "mtu") ?? 0;
        if (mtu is < 0 or (> 0 and < 68) or > 65535)
            throw new CniException(CniErrorCode.InvalidConfig, "invalid mtu", $"invalid MTU {mtu} (must be between 68 and 65535, or 0 for the default)");
        int gso = Int(root, "gsoMaxSize") ?? 0;
        if (gso is < 0 or (> 0 and < 1280) or > 524280)
            throw new CniException(CniErrorCode.InvalidConfig, "invalid gsoMaxSize", $"invalid gsoMaxSize {gso} (must be between 1280 and 524280, or 0 for the default)");
        bool hairpin = Bool(root, "hairpinMode"), promisc = Bool(root, "promiscMode");
        if (hairpin && promisc)
            throw new CniException(CniErrorCode.InvalidConfig, "invalid bridge options", "cannot set hairpinMode and promiscMode at the same time");
        string bridge = Str(root, "bridge") is { Length: > 0 } b ? b : DefaultBridge;
        if (!CniEnv.ValidIfName(bridge))
            throw new CniException(CniErrorCode.InvalidConfig, "invalid bridge name", $"\"bridge\": \"{bridge}\" is not a valid interface name");

        // MAC precedence as the reference: CNI_ARGS MAC < args.cni.mac < runtimeConfig.mac.
        string? mac = args.Mac;
        if (root["args"] is JObj a && a["cni"] is JObj ac && Str(ac, "mac") is { Length: > 0 } m1) mac = m1;
        if (root["runtimeConfig"] is JObj rc && Str(rc, "mac") is { Length: > 0 } m2) mac = m2;

        JObj? ipam = root["ipam"] switch
        {
            null => null,
            JObj o when o.Count == 0 => null,
            JObj o => o,
            _ => throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam", "\"ipam\" must be an object"),
        };
        if (ipam is not null && (Str(ipam, "type") ?? "").Length == 0)
            throw new CniException(CniErrorCode.InvalidConfig, "missing ipam type", "\"ipam\" has no \"type\"");

        List<Attachment>? valid = null;
        if (root["cni.dev/valid-attachments"] is JArr va)
        {
            valid = [];
            foreach (var e in va)
            {
                var o = Obj(e, "cni.dev/valid-attachments[]");
                valid.Add(new Attachment(Str(o, "containerID") ?? "", Str(o, "ifname") ?? ""));
            }
        }

        return new NetConf(version, name, type, bridge, Bool(root, "isGateway") || isDefaultGw, isDefaultGw,
            Bool(root, "forceAddress"), Bool(root, "ipMasq"), mtu, hairpin, promisc, vlan, mac, ipam,
            root["dns"] is JObj d ? ParseDns(d) : null,
            root["prevResult"] switch { null => null, JObj p => p, _ => throw new CniException(CniErrorCode.DecodeFailure, "invalid prevResult", "\"prevResult\" must be an object") },
            valid, root) { GsoMaxSize = gso };
    }

    public static JObj ParseObject(ReadOnlySpan<byte> stdin)
    {
        JNode? node;
        try { node = JsonTree.Parse(stdin); }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodeFailure, "failed to decode network configuration", $"stdin is not valid JSON: {e.Message}");
        }
        return node as JObj ?? throw new CniException(CniErrorCode.DecodeFailure, "failed to decode network configuration", "stdin is not a JSON object");
    }

    public static bool ValidName(string name) => name.Length > 0 && CniEnv.ValidContainerId(name);
}
