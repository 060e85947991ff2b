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
}
