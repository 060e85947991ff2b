using Podnet.Agent.Hosting;
using Podnet.Agent.Policy.Nft;
using Podnet.Agent.Policy.Sync;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy;

/// <summary><c>podnetd netpol --api SOCKET --node NAME [--table NAME]</c>: NetworkPolicy enforcement in this node's namespace.</summary>
public static class NetpolCommand
{
    public const string Usage = """
        usage: podnetd netpol --api SOCKET --node NAME [options]
          --table NAME          nftables table (ip family) to own (default podnet-policy)
        """;

    public const string BridgeSysctl = "/proc/sys/net/bridge/bridge-nf-call-iptables";

    public static async Task<int> RunAsync(string[] args, TextWriter err)
    {
        if (AgentArgs.Parse("netpol", Usage, args, ["--table"], err) is not { } a) return 2;
        return await AgentHost.RunAsync(a, err, async (client, log, stop) =>
        {
            EnsureBridgeFiltering(log);
            using var nft = new NftClient();
            await new PolicyAgent(client, nft, a.Node, log, a["--table"] ?? PolicyNames.DefaultTable).RunAsync(stop);
        });
    }

    /// <summary>
    /// Same-bridge pod traffic reaches the ip forward hook only with bridge-nf-call-iptables=1 (a
    /// per-namespace sysctl; this process runs in the node's namespace). Sets it when it is 0.
    /// </summary>
    public static void EnsureBridgeFiltering(Action<string> log)
    {
        if (!File.Exists(BridgeSysctl))
        {
            log($"netpol: {BridgeSysctl} is missing (br_netfilter not loaded): traffic between pods on one bridge is not filtered");
            return;
        }
        if (File.ReadAllText(BridgeSysctl).Trim() == "1") return;
        File.WriteAllText(BridgeSysctl, "1");
        log("netpol: set net.bridge.bridge-nf-call-iptables=1 so traffic between pods on one bridge is filtered");
    }
}
