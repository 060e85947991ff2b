using System.Text.Json.Nodes;

namespace Podnet.Lab.Kubelet;

/// <summary>Which CNI plugins the lab kubelet calls.</summary>
public enum CniPlugins
{
    /// <summary>out/bin/podnet-cni with podnet-ipam (the default).</summary>
    Podnet,
    /// <summary>Debian's reference plugins in /usr/lib/cni (bridge + host-local), same conflist shape.</summary>
    Reference,
}

/// <summary>The node's CNI network configuration list, as a kubelet's container runtime reads it
/// from /etc/cni/net.d: a bridge <c>cni0</c> that is the pods' gateway, and host-local-style IPAM over
/// the node's podCIDR with its state under the lab's data directory.</summary>
public static class CniConfig
{
    public const string Bridge = "cni0";

    /// <remarks>ipMasq is off: the bridge plugin's ipMasq masquerades everything outside the node's
    /// own /24, which would hide a pod's address from pods on other nodes and break the Kubernetes
    /// model (no NAT between pods). Cluster-aware egress masquerade belongs to the node agent, as
    /// with flannel's --ip-masq.</remarks>
    public static JsonObject Build(string lab, string podCidr, string ipamDataDir, CniPlugins plugins) => new()
    {
        ["cniVersion"] = "1.0.0",
        ["name"] = $"podnet-{lab}",
        ["plugins"] = new JsonArray(new JsonObject
        {
            ["type"] = plugins == CniPlugins.Podnet ? "podnet-cni" : "bridge",
            ["bridge"] = Bridge,
            ["isGateway"] = true,
            ["ipMasq"] = false,
            ["hairpinMode"] = true,
            ["ipam"] = new JsonObject
            {
                ["type"] = plugins == CniPlugins.Podnet ? "podnet-ipam" : "host-local",
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = podCidr })),
                ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                ["dataDir"] = ipamDataDir,
            },
        }),
    };

    /// <summary>Waits for the first readable <c>*.conflist</c> in <paramref name="dir"/>, as a
    /// container runtime waits for /etc/cni/net.d (the agent writes it atomically once it holds a
    /// lease). The node stays NotReady meanwhile.</summary>
    public static async Task<JsonObject> WaitForAgentAsync(string dir, Action<string> log, CancellationToken ct)
    {
        var next = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            if (Directory.Exists(dir))
                foreach (var f in Directory.EnumerateFiles(dir, "*.conflist").Order())
                {
                    try { if (JsonNode.Parse(File.ReadAllText(f)) is JsonObject o && o["plugins"] is JsonArray) return o; }
                    catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { }
                }
            if (DateTime.UtcNow > next) { log($"waiting for the network agent's CNI conflist in {dir}"); next = DateTime.UtcNow + TimeSpan.FromSeconds(5); }
            await Task.Delay(20, ct);
        }
    }

    /// <summary>The agent's conflist as this lab runs it: named after the lab, the IPAM state kept
    /// per node under the lab's data directory (the nodes share this machine's filesystem, so the
    /// default /var/lib/cni/networks would mix them), and with the reference plugins' types when
    /// asked. The agent's subnet and MTU are kept as they are.</summary>
    public static JsonObject FromAgent(JsonObject agent, string lab, string ipamDataDir, CniPlugins plugins)
    {
        var conf = (JsonObject)agent.DeepClone();
        conf["name"] = $"podnet-{lab}";
        foreach (var p in conf["plugins"] as JsonArray ?? [])
        {
            if (p is not JsonObject plugin) continue;
            if (plugins == CniPlugins.Reference && plugin["type"]?.GetValue<string>() == "podnet-cni") plugin["type"] = "bridge";
            if (plugin["ipam"] is JsonObject ipam)
            {
                ipam["dataDir"] = ipamDataDir;
                if (plugins == CniPlugins.Reference && ipam["type"]?.GetValue<string>() == "podnet-ipam") ipam["type"] = "host-local";
            }
        }
        return conf;
    }

    /// <summary>The MTU the conflist's bridge plugin sets, if any.</summary>
    public static int? Mtu(JsonObject conflist) =>
        (conflist["plugins"] as JsonArray)?.OfType<JsonObject>().Select(p => p["mtu"]).OfType<JsonNode>().Select(n => (int?)n.GetValue<int>()).FirstOrDefault();
}
