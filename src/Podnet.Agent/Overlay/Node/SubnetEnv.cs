using System.Net;
using Podnet.Agent.Overlay.Config;

namespace Podnet.Agent.Overlay.Node;

/// <summary>flannel's subnet.env: FLANNEL_NETWORK, FLANNEL_SUBNET (gateway/len), FLANNEL_MTU, FLANNEL_IPMASQ.</summary>
public sealed record SubnetEnv(IPNetwork Network, IPNetwork Subnet, int Mtu, bool IpMasq)
{
    public string Render() =>
        $"FLANNEL_NETWORK={Network}\nFLANNEL_SUBNET={Ip4.Nth(Subnet, 1)}/{Subnet.PrefixLength}\nFLANNEL_MTU={Mtu}\nFLANNEL_IPMASQ={(IpMasq ? "true" : "false")}\n";

    /// <summary>Writes atomically (temp file + rename), so a reader never sees half a file.</summary>
    public void Write(string path) => AtomicFile.Write(path, Render());

    /// <summary>The subnet recorded in an existing file (our previous lease), or null.</summary>
    public static IPNetwork? ReadSubnet(string path)
    {
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadAllLines(path))
        {
            if (!line.StartsWith("FLANNEL_SUBNET=", StringComparison.Ordinal)) continue;
            var v = line["FLANNEL_SUBNET=".Length..].Trim();
            int slash = v.IndexOf('/');
            if (slash < 0 || !IPAddress.TryParse(v[..slash], out var ip) || !int.TryParse(v[(slash + 1)..], out int len) || len is < 0 or > 32) return null;
            return new IPNetwork(Ip4.Mask(ip, len), len);
        }
        return null;
    }
}

internal static class AtomicFile
{
    public static void Write(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp" + Environment.ProcessId);
        File.WriteAllText(tmp, content);
        File.Move(tmp, path, overwrite: true);
    }
}
