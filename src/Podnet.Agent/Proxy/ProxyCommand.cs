using System.Net;
using Podnet.Agent.Hosting;
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
        if (AgentArgs.Parse("proxy", Usage, args, ["--cluster-cidr", "--table"], err) is not { } a) return 2;
        IPNetwork cidr = IPNetwork.Parse("10.244.0.0/16");
        if (a["--cluster-cidr"] is { } c && !IPNetwork.TryParse(c, out cidr)) return a.Fail("--cluster-cidr needs a CIDR", err);
        var cfg = new ProxyConfig { ClusterCidr = cidr, TableName = a["--table"] ?? "podnet-proxy" };
        return await AgentHost.RunAsync(a, err, async (client, log, stop) =>
        {
            using var nft = new NftClient();
            using var ct = new NfConntrack();
            using var health = new HealthCheckServers(IPAddress.Any, log);
            await new ProxyAgent(client, nft, ct, cfg, a.Node, log, health).RunAsync(stop);
        });
    }
}
