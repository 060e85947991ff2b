using System.Net;
using Podnet.Agent.Overlay.Config;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Linux;
using Podnet.Linux.Netns;

namespace Podnet.Agent.Overlay;

/// <summary>
/// <c>podnetd overlay --api SOCK --node NAME [--net-conf FILE | --backend TYPE] …</c>: parses and
/// validates everything first (exit 2 naming the problem, nothing programmed), then runs the
/// agent until SIGTERM/SIGINT (exit 0) or until our lease is taken over (exit 3).
/// </summary>
public static class OverlayCommand
{
    public const string Usage = """
        usage: podnetd overlay --api SOCKET --node NAME [options]
          --net-conf FILE        flannel net-conf.json (default: 10.244.0.0/16, vxlan)
          --backend TYPE         override Backend.Type: vxlan | host-gw | udp
          --iface NAME           underlay interface (default: default route's, else the only one with an address)
          --public-ip IP         address advertised to other nodes (default: the interface's)
          --subnet-file FILE     subnet.env to write (default /run/flannel/subnet.env)
          --cni-conf-dir DIR     write 10-podnet.conflist there
          --lease-ttl SECONDS    lease lifetime (default 86400; renewed half-way)
          --release-on-exit      give the lease back on SIGTERM (the node is leaving)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter err)
    {
        OverlayOptions opt;
        string api;
        try { (opt, api) = Parse(args); }
        catch (ConfigException e)
        {
            await err.WriteLineAsync("podnetd overlay: " + e.Message);
            return 2;
        }

        void Log(string m) => err.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {opt.NodeName}: {m}");
        using var stop = new StopSignals();
        using var client = new ApiClient(api);
        await using var store = new ApiLeaseStore(client, Log);
        try
        {
            opt = opt with { PreferredSubnet = await NodePodCidrAsync(client, opt.NodeName, stop.Token) };
            await using var agent = new OverlayAgent(opt, store, NetNs.Current(), Log);
            await agent.RunAsync(stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsStopping) { Log("stopped"); return 0; }
        catch (LeaseLostException e) { Log("fatal: " + e.Message); return 3; }
        catch (Exception e) { Log("fatal: " + e.Message); return 1; }
    }

    private static async Task<IPNetwork?> NodePodCidrAsync(ApiClient client, string node, CancellationToken ct)
    {
        var o = await client.TryGetAsync(ApiResources.Nodes, null, node, ct);
        return o?.AtPath("spec.podCIDR") is { } s && IPNetwork.TryParse(s, out var n) ? n : null;
    }

    /// <summary>Parses the arguments into options; any problem is a <see cref="ConfigException"/>.</summary>
    public static (OverlayOptions, string api) Parse(string[] args)
    {
        string? api = null, node = null, conf = null, backend = null, iface = null, subnetFile = null, cniDir = null;
        IPAddress? publicIp = null;
        int ttl = 86400;
        bool release = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ConfigException($"{args[i]} needs a value\n{Usage}");
            switch (args[i])
            {
                case "--api": api = Next(); break;
                case "--node": node = Next(); break;
                case "--net-conf": conf = Next(); break;
                case "--backend": backend = Next(); break;
                case "--iface": iface = Next(); break;
                case "--public-ip":
                    var s = Next();
                    publicIp = IPAddress.TryParse(s, out var ip) ? ip : throw new ConfigException($"--public-ip \"{s}\" is not an IP address");
                    break;
                case "--subnet-file": subnetFile = Next(); break;
                case "--cni-conf-dir": cniDir = Next(); break;
                case "--lease-ttl":
                    var t = Next();
                    ttl = int.TryParse(t, out int v) && v >= 10 ? v : throw new ConfigException($"--lease-ttl \"{t}\" must be a number of seconds, at least 10");
                    break;
                case "--release-on-exit": release = true; break;
                default: throw new ConfigException($"unknown option \"{args[i]}\"\n{Usage}");
            }
        }
        if (api is null) throw new ConfigException("--api SOCKET is required\n" + Usage);
        if (node is null) throw new ConfigException("--node NAME is required\n" + Usage);
        var cfg = conf is null ? NetworkConfig.Default : NetworkConfig.Load(conf);
        if (backend is not null)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(cfg.ToJson())!.AsObject();
            json["Backend"] = new System.Text.Json.Nodes.JsonObject { ["Type"] = backend };
            try { cfg = NetworkConfig.Parse(json.ToJsonString()); }
            catch (ConfigException e) { throw new ConfigException("--backend: " + e.Message, e); }
        }
        return (new OverlayOptions
        {
            Config = cfg, NodeName = node, Iface = iface, PublicIp = publicIp,
            SubnetFile = subnetFile ?? "/run/flannel/subnet.env", CniConfDir = cniDir,
            LeaseTtl = TimeSpan.FromSeconds(ttl), ReleaseOnExit = release,
        }, api);
    }
}
