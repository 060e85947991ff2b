using System.Net;
using Podnet.Api.Client;
using Podnet.Linux;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Proxy;

/// <summary><c>podnetd proxy --api SOCKET --node NAME [--cluster-cidr CIDR] [--table NAME]</c>: the service proxy of this node's namespace.</summary>
public static class ProxyCommand
{
    public const string Usage = """
        usage: podnetd proxy --api SOCKET --node NAME [options]
          --cluster-cidr CIDR   pod CIDR of the cluster; service traffic from outside it is masqueraded (default 10.244.0.0/16)
          --table NAME          nftables table (ip family) to own (default podnet-proxy)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter err)
    {
        string? api = null, node = null, table = null;
        IPNetwork cidr = IPNetwork.Parse("10.244.0.0/16");
        for (int i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--api": api = Next(); break;
                case "--node": node = Next(); break;
                case "--table": table = Next(); break;
                case "--cluster-cidr":
                    if (!IPNetwork.TryParse(Next() ?? "", out cidr)) { await err.WriteLineAsync($"podnetd proxy: --cluster-cidr needs a CIDR\n{Usage}"); return 2; }
                    break;
                default: await err.WriteLineAsync($"podnetd proxy: unknown option {args[i]}\n{Usage}"); return 2;
            }
        }
        if (api is null || node is null) { await err.WriteLineAsync($"podnetd proxy: --api and --node are required\n{Usage}"); return 2; }

        void Log(string m) => err.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {node}: {m}");
        using var stop = new StopSignals();
        try
        {
            using var client = new ApiClient(api);
            using var nft = new NftClient();
            using var ct = new NfConntrack();
            var cfg = new ProxyConfig { ClusterCidr = cidr, TableName = table ?? "podnet-proxy" };
            using var health = new HealthCheckServers(IPAddress.Any, Log);
            await new ProxyAgent(client, nft, ct, cfg, node, Log, health).RunAsync(stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsStopping) { Log("proxy: stopped (rules left in place)"); return 0; }
        catch (Exception e) { Log("proxy: fatal: " + e.Message); return 1; }
    }
}
