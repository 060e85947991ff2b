using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Podnet.Agent.Overlay.Config;

/// <summary>
/// The cluster network configuration in flannel's net-conf.json shape:
/// <c>{"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":…,"SubnetMax":…,"Backend":{"Type":"vxlan","VNI":1,"Port":8472,"DirectRouting":false}}</c>.
/// <see cref="Parse"/> validates everything up front so that podnetd stops before it programs anything.
/// </summary>
public sealed record NetworkConfig
{
    /// <summary>The cluster (pod) network, IPv4.</summary>
    public required IPNetwork Network { get; init; }

    /// <summary>Prefix length of each node's subnet.</summary>
    public int SubnetLen { get; init; } = 24;

    /// <summary>First subnet base address leases may use (inclusive).</summary>
    public required IPAddress SubnetMin { get; init; }

    /// <summary>Last subnet base address leases may use (inclusive).</summary>
    public required IPAddress SubnetMax { get; init; }

    public required BackendConfig Backend { get; init; }

    /// <summary>Masquerade pod traffic leaving <see cref="Network"/> (flanneld --ip-masq).</summary>
    public bool IpMasq { get; init; } = true;

    /// <summary>The default configuration of DESIGN.md: 10.244.0.0/16, /24 per node, vxlan VNI 1 port 8472.</summary>
    public static NetworkConfig Default => Parse("""{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}""");

    /// <summary>Number of subnets between <see cref="SubnetMin"/> and <see cref="SubnetMax"/>.</summary>
    public long SubnetCount => ((Ip4.ToUInt(SubnetMax) - Ip4.ToUInt(SubnetMin)) >> (32 - SubnetLen)) + 1;

    /// <summary>The i-th usable subnet (0-based from <see cref="SubnetMin"/>).</summary>
    public IPNetwork SubnetAt(long i) =>
        new(Ip4.FromUInt((uint)(Ip4.ToUInt(SubnetMin) + ((ulong)i << (32 - SubnetLen)))), SubnetLen);

    /// <summary>True when <paramref name="subnet"/> is one this configuration may lease.</summary>
    public bool IsLeasable(IPNetwork subnet)
    {
        if (subnet.PrefixLength != SubnetLen || subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork) return false;
        uint b = Ip4.ToUInt(subnet.BaseAddress);
        return b >= Ip4.ToUInt(SubnetMin) && b <= Ip4.ToUInt(SubnetMax);
    }

    /// <summary>Reads and validates a net-conf.json file.</summary>
    public static NetworkConfig Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"could not read network config {path}: {e.Message}", e);
        }
        try { return Parse(text); }
        catch (ConfigException e) { throw new ConfigException($"network config {path}: {e.Message}", e); }
    }

    /// <summary>Parses and validates net-conf.json text; every problem is a <see cref="ConfigException"/> naming the field.</summary>
    public static NetworkConfig Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ConfigException($"not valid JSON: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ConfigException("the network config must be a JSON object");

            string netText = Json.String(root, "Network") ?? throw new ConfigException("Network is missing (e.g. \"10.244.0.0/16\")");
            // Parsed by hand: IPNetwork.TryParse quietly masks host bits, which hides typos.
            int slash = netText.IndexOf('/');
            if (slash < 0 || !IPAddress.TryParse(netText[..slash], out var netIp) || !int.TryParse(netText[(slash + 1)..], out int netLen)
                || netLen < 0 || netLen > (netIp.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
                throw new ConfigException($"Network \"{netText}\" is not a valid CIDR (want e.g. \"10.244.0.0/16\")");
            if (netIp.AddressFamily != AddressFamily.InterNetwork)
                throw new ConfigException($"Network \"{netText}\" is not IPv4 (only IPv4 networks are supported)");
            if (!netIp.Equals(Ip4.Mask(netIp, netLen)))
                throw new ConfigException($"Network \"{netText}\" has host bits set (did you mean {Ip4.Mask(netIp, netLen)}/{netLen}?)");
            var network = new IPNetwork(netIp, netLen);

            int subnetLen = Json.Int(root, "SubnetLen") ?? (network.PrefixLength < 24 ? 24 : network.PrefixLength + 1);
            if (subnetLen <= network.PrefixLength)
                throw new ConfigException($"SubnetLen {subnetLen} must be larger than the prefix length of Network {network} (/{network.PrefixLength})");
            if (subnetLen > 30)
                throw new ConfigException($"SubnetLen {subnetLen} is too large: a node subnet needs at least 4 addresses (SubnetLen at most 30)");

            uint netBase = Ip4.ToUInt(network.BaseAddress);
            uint netLast = netBase | (uint)((1UL << (32 - network.PrefixLength)) - 1);
            uint step = 1u << (32 - subnetLen);
            var min = SubnetBound(root, "SubnetMin", network, subnetLen) ?? network.BaseAddress;
            var max = SubnetBound(root, "SubnetMax", network, subnetLen) ?? Ip4.FromUInt(netLast - step + 1);
            if (Ip4.ToUInt(min) > Ip4.ToUInt(max))
                throw new ConfigException($"SubnetMin {min} is above SubnetMax {max}");

            var backend = BackendConfig.Parse(root);
            bool ipMasq = Json.Bool(root, "IPMasq") ?? true;
            return new NetworkConfig { Network = network, SubnetLen = subnetLen, SubnetMin = min, SubnetMax = max, Backend = backend, IpMasq = ipMasq };
        }
    }

    private static IPAddress? SubnetBound(JsonElement root, string field, IPNetwork network, int subnetLen)
    {
        if (Json.String(root, field) is not { } s) return null;
        if (!IPAddress.TryParse(s, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            throw new ConfigException($"{field} \"{s}\" is not an IPv4 address");
        if (!network.Contains(ip)) throw new ConfigException($"{field} {ip} is outside Network {network}");
        if (!ip.Equals(Ip4.Mask(ip, subnetLen)))
            throw new ConfigException($"{field} {ip} is not the start of a /{subnetLen} subnet");
        return ip;
    }

    /// <summary>The net-conf.json form of this configuration.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["Network"] = Network.ToString(),
        ["SubnetLen"] = SubnetLen,
        ["SubnetMin"] = SubnetMin.ToString(),
        ["SubnetMax"] = SubnetMax.ToString(),
        ["IPMasq"] = IpMasq,
        ["Backend"] = Backend.ToJsonObject(),
    });
}

/// <summary>A configuration problem; the message names the field and the bad value.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);
