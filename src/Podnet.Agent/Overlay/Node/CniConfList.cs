using System.Net;
using System.Text.Json.Nodes;

namespace Podnet.Agent.Overlay.Node;

/// <summary>
/// The node's conflist for podnet-cni (the bridge plugin with podnet-ipam over our leased subnet),
/// with the backend's MTU so pods never send packets the tunnel would drop. ipMasq stays off in
/// the plugin: podnetd masquerades only traffic leaving the cluster network. "gsoMaxSize" (written
/// only above 64 KiB) tells podnet-cni to let the pod veths and the bridge carry BIG TCP super-packets.
/// </summary>
public static class CniConfList
{
    public const string FileName = "10-podnet.conflist";

    public static string Render(IPNetwork subnet, int mtu, string bridge = "cni0", int gsoMaxSize = 65536)
    {
        var plugin = new JsonObject
        {
            ["type"] = "podnet-cni",
            ["bridge"] = bridge,
            ["isGateway"] = true,
            ["isDefaultGateway"] = true,
            ["ipMasq"] = false,
            ["hairpinMode"] = true,
            ["mtu"] = mtu,
            ["ipam"] = new JsonObject
            {
                ["type"] = "podnet-ipam",
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = subnet.ToString() })),
            },
        };
        if (gsoMaxSize > 65536) plugin["gsoMaxSize"] = gsoMaxSize;
        return new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "podnet",
            ["plugins"] = new JsonArray(plugin),
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static void Write(string dir, IPNetwork subnet, int mtu, int gsoMaxSize = 65536) =>
        AtomicFile.Write(Path.Combine(dir, FileName), Render(subnet, mtu, gsoMaxSize: gsoMaxSize));
}
