using Podnet.Agent.Policy.Nft;
using Podnet.Agent.Policy.Sync;
using Podnet.Api.Client;
using Podnet.Linux;
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
        string? api = null, node = null, table = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--api": api = Next(); break;
                case "--node": node = Next(); break;
                case "--table": table = Next(); break;
                default: await err.WriteLineAsync($"podnetd netpol: unknown option {args[i]}\n{Usage}"); return 2;
            }
        }
        if (api is null || node is null) { await err.WriteLineAsync($"podnetd netpol: --api and --node are required\n{Usage}"); return 2; }

        void Log(string m) => err.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {node}: {m}");
        using var stop = new StopSignals();
        try
        {
            EnsureBridgeFiltering(Log);
            using var client = new ApiClient(api);
            using var nft = new NftClient();
            await new PolicyAgent(client, nft, node, Log, table ?? PolicyNames.DefaultTable).RunAsync(stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsStopping) { Log("netpol: stopped (rules left in place)"); return 0; }
        catch (Exception e) { Log("netpol: fatal: " + e.Message); return 1; }
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
