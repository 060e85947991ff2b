using System.Net;
using Podnet.Dns.Cluster;
using Podnet.Dns.Config;
using Podnet.Dns.Forward;
using Podnet.Dns.Metrics;
using Podnet.Dns.Server;
using Podnet.Dns.Zone;

namespace Podnet.Dns;

/// <summary>`podnet dns`: the cluster DNS server.</summary>
public static class DnsCommand
{
    public const string Usage = """
        usage: podnet dns [options]
          --config FILE        Corefile-like configuration (command-line options override it)
          --api-socket PATH    cluster API unix socket (Services, EndpointSlices, Pods)
          --state FILE         static cluster state in JSON instead of the API
          --listen ADDR:PORT   UDP and TCP address (default 0.0.0.0:53)
          --zone NAME          cluster domain (default cluster.local)
          --ttl SECONDS        TTL of cluster records (default 5)
          --pods MODE          insecure | verified | disabled (default insecure)
          --upstream LIST      comma-separated upstream servers or resolv.conf paths, "none" to disable
                               (default /etc/resolv.conf)
          --metrics ADDR:PORT  Prometheus metrics, e.g. :9153
          --health ADDR:PORT   health endpoint (/health, /ready), e.g. :8080
          --workers N          UDP receive loops (default: number of CPUs)
        """;

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        DnsConfig config;
        try { config = ParseArgs(args); }
        catch (HelpRequested) { Console.Out.WriteLine(Usage); return 0; }
        catch (Exception e) when (e is FormatException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"podnet dns: {e.Message}");
            return 2;
        }
        try
        {
            await using var host = DnsHost.Start(config, m => Console.Error.WriteLine($"podnet dns: {m}"));
            Console.Error.WriteLine($"podnet dns: serving {config.Zone.Zone} on {host.Server.LocalEndPoint} (udp+tcp)");
            if (config.ApiSocket is null && config.StateFile is null)
                Console.Error.WriteLine($"podnet dns: no --api-socket or --state: {config.Zone.Zone} answers SERVFAIL until one is given");
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            return 0;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"podnet dns: {e.Message}");
            return 1;
        }
    }

    private sealed class HelpRequested : Exception;

    public static DnsConfig ParseArgs(string[] args)
    {
        var map = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help") throw new HelpRequested();
            if (!a.StartsWith("--")) throw new FormatException($"unexpected argument \"{a}\"");
            string key = a, value;
            int eq = a.IndexOf('=');
            if (eq > 0) { key = a[..eq]; value = a[(eq + 1)..]; }
            else if (i + 1 < args.Length) value = args[++i];
            else throw new FormatException($"option {a} needs a value");
            map[key] = value;
        }
        var config = map.TryGetValue("--config", out var file)
            ? Corefile.Parse(ReadConfig(file), file)
            : new DnsConfig();
        foreach (var (k, v) in map)
        {
            config = k switch
            {
                "--config" => config,
                "--api-socket" => config with { ApiSocket = v },
                "--state" => config with { StateFile = v },
                "--listen" => config with { Listen = ParseListen(v) },
                "--zone" => config with { Zone = config.Zone with { Zone = Wire.DnsName.ToText(Wire.DnsName.FromText(v)).TrimEnd('.') } },
                "--ttl" => config with { Zone = config.Zone with { Ttl = uint.TryParse(v, out var t) && t <= 3600 ? t : throw new FormatException($"--ttl must be 0..3600, not \"{v}\"") } },
                "--pods" => config with { Zone = config.Zone with { Pods = Enum.TryParse<PodsMode>(v, true, out var p) ? p : throw new FormatException($"--pods must be insecure, verified or disabled, not \"{v}\"") } },
                "--upstream" => config with { Upstreams = v == "none" ? [] : v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--metrics" => config with { Metrics = Validate(v) },
                "--health" => config with { Health = Validate(v) },
                "--workers" => config with { UdpWorkers = int.TryParse(v, out var w) && w is > 0 and <= 64 ? w : throw new FormatException($"--workers must be 1..64, not \"{v}\"") },
                _ => throw new FormatException($"unknown option {k}"),
            };
        }
        foreach (var u in config.Upstreams) if (!u.StartsWith('/')) ResolvConf.ParseEndpoint(u);
        return config;

        static string Validate(string v) { HttpEndpoint.ParseAddress(v); return v; }
    }

    private static string ReadConfig(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InvalidOperationException($"could not read config file {path}: {e.Message}", e); }
    }

    private static IPEndPoint ParseListen(string v)
    {
        if (v.StartsWith(':') && int.TryParse(v[1..], out int port)) return new IPEndPoint(IPAddress.Any, port);
        if (IPEndPoint.TryParse(v, out var ep) && v.Contains(':')) return ep;
        if (IPAddress.TryParse(v, out var ip)) return new IPEndPoint(ip, 53);
        throw new FormatException($"invalid --listen \"{v}\": expected ADDR:PORT");
    }
}
